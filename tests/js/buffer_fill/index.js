'use strict';
// tests/test_js_buffer_fill.py: a part of cases.js (/table, /generated, /large), or one 1 MB
// operation whose fuel the test bounds (/op/<name>; /op/none is the baseline)
const cases = require('./cases');

const MB = 1 << 20;
const src = Buffer.alloc(MB, 'some bytes');
const numbers = Array.from(src.subarray(0, 65536));
const OPS = {
  none: () => 0,
  alloc1: () => Buffer.alloc(MB, 1).length,
  allocThenFill: () => Buffer.alloc(MB).fill(7).length,
  allocAb: () => Buffer.alloc(MB, 'ab').length,
  allocHex: () => Buffer.alloc(MB, 'deadbeef', 'hex').length,
  allocBuffer: () => Buffer.alloc(MB, Buffer.from('xyz')).length,
  fillRange: () => Buffer.allocUnsafe(MB).fill('abc', 10, MB - 10).length,
  swap16: () => Buffer.from(src).swap16().length,
  swap32: () => Buffer.from(src).swap32().length,
  swap64: () => Buffer.from(src).swap64().length,
  fromArray: () => Buffer.from(numbers).length, // 64 KB
};

exports.handler = async (event) => {
  const uri = event.Records[0].cf.request.uri;
  const body = uri.startsWith('/op/') ? OPS[uri.slice(4)]() : cases.run(uri.slice(1));
  return { status: '200', body: JSON.stringify(body) };
};
