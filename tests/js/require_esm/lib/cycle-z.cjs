'use strict';
const { attempt } = require('./failure.js');

exports.attempts = {
  importer: attempt(() => require('./cycle-y.mjs')), // imported (not required) and not yet evaluated
  deeper: attempt(() => require('./cycle-w.mjs')), // not loaded yet, and it imports cycle-y.mjs
  required: attempt(() => require('./cycle-x.mjs')), // being required (by cases.js)
  plain: attempt(() => require('./plain.mjs')), // no cycle: an ES module required from here loads
};
exports.late = () => attempt(() => require('./cycle-y.mjs'));
