// require('assert'): the common assertions with Node's AssertionError shape.
defineBuiltin('assert', function (exports, require, module, internal) {
  const util = require('util');
  class AssertionError extends Error {
    constructor(options) {
      const { message, actual, expected, operator } = options;
      super(message !== undefined ? String(message)
        : `${util.inspect(actual)} ${operator === 'deepStrictEqual' ? 'deep-equals' : operator} ${util.inspect(expected)}`);
      this.generatedMessage = message === undefined; // Node's order, name not enumerable
      Object.defineProperty(this, 'name', { value: 'AssertionError', writable: true, configurable: true });
      this.code = 'ERR_ASSERTION';
      this.actual = actual;
      this.expected = expected;
      this.operator = operator;
    }

    toString() { return `${this.name} [${this.code}]: ${this.message}`; } // Node's: `AssertionError [ERR_ASSERTION]: ...`
  }
  // ... and its stack's first line alike (util.js's stackHeader reads the mark)
  Object.defineProperty(AssertionError.prototype, internal.kIsNodeError, { value: true, configurable: true });
  function fail(actual, expected, message, operator) {
    if (message instanceof Error) throw message;
    throw new AssertionError({ message, actual, expected, operator });
  }
  function ok(value, message) {
    if (!value) fail(value, true, message === undefined ? 'The expression evaluated to a falsy value' : message, '==');
  }
  const assert = (value, message) => ok(value, message);
  Object.assign(assert, {
    AssertionError,
    ok,
    fail: (message = 'Failed') => fail(undefined, undefined, message, 'fail'),
    equal: (a, b, m) => { if (!(a == b || (a !== a && b !== b))) fail(a, b, m, '=='); }, // eslint-disable-line eqeqeq
    notEqual: (a, b, m) => { if (a == b) fail(a, b, m, '!='); }, // eslint-disable-line eqeqeq
    strictEqual: (a, b, m) => { if (!Object.is(a, b)) fail(a, b, m, 'strictEqual'); },
    notStrictEqual: (a, b, m) => { if (Object.is(a, b)) fail(a, b, m, 'notStrictEqual'); },
    deepStrictEqual: (a, b, m) => { if (!util.isDeepStrictEqual(a, b)) fail(a, b, m, 'deepStrictEqual'); },
    notDeepStrictEqual: (a, b, m) => { if (util.isDeepStrictEqual(a, b)) fail(a, b, m, 'notDeepStrictEqual'); },
    deepEqual: (a, b, m) => { if (!util.isDeepStrictEqual(a, b)) fail(a, b, m, 'deepEqual'); },
    notDeepEqual: (a, b, m) => { if (util.isDeepStrictEqual(a, b)) fail(a, b, m, 'notDeepEqual'); },
    throws: (fn, expected, message) => {
      try { fn(); } catch (err) {
        if (typeof expected === 'function' && expected.prototype !== undefined && !(err instanceof expected)) throw err;
        if (expected instanceof RegExp && !expected.test(String(err && err.message !== undefined ? err : err))) throw err;
        return;
      }
      fail(undefined, expected, typeof expected === 'string' ? expected : message || 'Missing expected exception.', 'throws');
    },
    doesNotThrow: (fn) => { fn(); },
    rejects: async (promise, expected, message) => {
      try { await (typeof promise === 'function' ? promise() : promise); } catch (err) {
        if (typeof expected === 'function' && expected.prototype !== undefined && !(err instanceof expected)) throw err;
        return;
      }
      fail(undefined, expected, message || 'Missing expected rejection.', 'rejects');
    },
    match: (s, re, m) => { if (!re.test(s)) fail(s, re, m, 'match'); },
    ifError: (v) => { if (v !== null && v !== undefined) throw v; },
  });
  assert.strict = assert;
  module.exports = assert;
});
defineBuiltin('assert/strict', function (exports, require, module) { module.exports = require('assert').strict; });
