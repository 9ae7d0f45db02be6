'use strict';
// tests/test_js_buffer.py: one part of cases.js per request (its name is the URI)
const cases = require('./cases');

exports.handler = async (event) => {
  const name = event.Records[0].cf.request.uri.slice(1);
  return { status: '200', body: JSON.stringify(cases.run(name)) };
};
