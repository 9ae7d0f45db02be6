'use strict';
// What a require() gave (the keys of what it returned) or threw, the fixture's directory in a
// message written as <root> (it is /var/task in the edge)
const ROOT = __dirname.slice(0, -'/lib'.length);

exports.attempt = (f) => {
  try {
    return { returned: Object.keys(f()) };
  } catch (err) {
    return { name: err.name, message: err.message.split(ROOT).join('<root>'), code: err.code };
  }
};
