// The assertion functions behind require('assert') (assert.js): Node 20's legacy ones, which compare
// loosely (equal is ==, deepEqual Node's loose deep equality), assert.strict's, AssertionError and
// CallTracker. Comparisons come from internal/assert_deep, messages and diffs from assert_message,
// a failing assert.ok()'s source from assert_source, CallTracker from assert_tracker.
defineBuiltin('internal/assertions', function (exports, require, module, internal) {
  const util = require('util');
  const { isDeepEqual, isDeepStrictEqual, isRegExp, isError } = require('internal/assert_deep');
  const messages = require('internal/assert_message');
  const { failingCall } = require('internal/assert_source');
  const makeCallTracker = require('internal/assert_tracker');
  const NO_EXCEPTION = Symbol('no exception');
  const DIFF_OPERATORS = new Set(['strictEqual', 'deepStrictEqual']);

  class AssertionError extends Error {
    constructor(options) {
      if (options === null || typeof options !== 'object') throw internal.argType('options', 'of type object', options);
      const { message, operator, stackStartFn, stackStartFunction, details } = options;
      let { actual, expected } = options;
      let text;
      if (message != null && !DIFF_OPERATORS.has(operator)) {
        text = String(message);
      } else {
        if (message == null && isError(actual) && isError(expected) && 'stack' in actual && 'stack' in expected) {
          [actual, expected] = [copyError(actual), copyError(expected)]; // shown without their stacks
        }
        // strictEqual's and deepStrictEqual's own message heads their diff
        text = messages.generatedMessage(actual, expected, operator, message ? String(message) : undefined);
      }
      super(text);
      this.generatedMessage = !message;
      Object.defineProperty(this, 'name', { value: 'AssertionError', enumerable: false, writable: true, configurable: true });
      this.code = 'ERR_ASSERTION';
      if (details) { // CallTracker.verify's: one set of fields per function
        this.actual = undefined;
        this.expected = undefined;
        this.operator = undefined;
        details.forEach((detail, i) => {
          this[`message ${i}`] = detail.message;
          this[`actual ${i}`] = detail.actual;
          this[`expected ${i}`] = detail.expected;
          this[`operator ${i}`] = detail.operator;
          this[`stack trace ${i}`] = detail.stack;
        });
      } else {
        this.actual = actual;
        this.expected = expected;
        this.operator = operator;
      }
      Error.captureStackTrace(this, stackStartFn || stackStartFunction || AssertionError);
      this.stack; // eslint-disable-line no-unused-expressions -- its first line is written now, as Node's
    }

    toString() { return `${this.name} [${this.code}]: ${this.message}`; }

    // Node's: actual and expected one level deep, long strings cut
    [util.inspect.custom](recurseTimes, ctx) {
      const [actual, expected] = [this.actual, this.expected];
      this.actual = messages.abridged(actual);
      this.expected = messages.abridged(expected);
      try {
        return util.inspect(this, { ...ctx, customInspect: false, depth: 0 });
      } finally {
        this.actual = actual;
        this.expected = expected;
      }
    }
  }
  // `AssertionError [ERR_ASSERTION]: ...` first in its stack (util.js's stackHeader reads the mark)
  Object.defineProperty(AssertionError.prototype, internal.kIsNodeError, { value: true, configurable: true });

  function copyError(source) {
    const copy = Object.assign(Object.create(Object.getPrototypeOf(source)), source);
    Object.defineProperty(copy, 'message', { value: source.message });
    return copy;
  }

  function innerFail(fields) {
    if (fields.message instanceof Error) throw fields.message;
    throw new AssertionError(fields);
  }

  function innerOk(fn, argCount, value, message) {
    if (value) return;
    let generated = false;
    if (argCount === 0) {
      generated = true;
      message = 'No value argument passed to `assert.ok()`';
    } else if (message == null) {
      generated = true;
      message = failingCall(fn);
    } else if (message instanceof Error) {
      throw message;
    }
    const err = new AssertionError({ actual: value, expected: true, message, operator: '==', stackStartFn: fn });
    err.generatedMessage = generated;
    throw err;
  }

  function ok(...args) { innerOk(ok, args.length, ...args); }
  const assert = ok;

  let failWarned = false;
  function fail(actual, expected, message, operator, stackStartFn) {
    const count = arguments.length;
    let defaultMessage = false;
    if (actual == null && count <= 1) {
      defaultMessage = true;
      message = 'Failed';
    } else if (count === 1) {
      message = actual;
      actual = undefined;
    } else {
      if (!failWarned) {
        failWarned = true;
        process.emitWarning('assert.fail() with more than one argument is deprecated. Please use assert.strictEqual() ' +
          'instead or only pass a message.', 'DeprecationWarning', 'DEP0094');
      }
      if (count === 2) operator = '!=';
    }
    if (message instanceof Error) throw message;
    const err = new AssertionError({ actual, expected, message, operator: operator === undefined ? 'fail' : operator,
      stackStartFn: stackStartFn || fail });
    if (defaultMessage) err.generatedMessage = true;
    throw err;
  }

  function needsBoth(count) {
    if (count < 2) throw internal.codeError(TypeError, 'ERR_MISSING_ARGS', 'The "actual" and "expected" arguments must be specified');
  }
  const bothNaN = (a, b) => Number.isNaN(a) && Number.isNaN(b);

  function equal(actual, expected, message) {
    needsBoth(arguments.length);
    if (actual != expected && !bothNaN(actual, expected)) { // eslint-disable-line eqeqeq
      innerFail({ actual, expected, message, operator: '==', stackStartFn: equal });
    }
  }
  function notEqual(actual, expected, message) {
    needsBoth(arguments.length);
    if (actual == expected || bothNaN(actual, expected)) { // eslint-disable-line eqeqeq
      innerFail({ actual, expected, message, operator: '!=', stackStartFn: notEqual });
    }
  }
  function deepEqual(actual, expected, message) {
    needsBoth(arguments.length);
    if (!isDeepEqual(actual, expected)) innerFail({ actual, expected, message, operator: 'deepEqual', stackStartFn: deepEqual });
  }
  function notDeepEqual(actual, expected, message) {
    needsBoth(arguments.length);
    if (isDeepEqual(actual, expected)) innerFail({ actual, expected, message, operator: 'notDeepEqual', stackStartFn: notDeepEqual });
  }
  function deepStrictEqual(actual, expected, message) {
    needsBoth(arguments.length);
    if (!isDeepStrictEqual(actual, expected)) {
      innerFail({ actual, expected, message, operator: 'deepStrictEqual', stackStartFn: deepStrictEqual });
    }
  }
  function notDeepStrictEqual(actual, expected, message) {
    needsBoth(arguments.length);
    if (isDeepStrictEqual(actual, expected)) {
      innerFail({ actual, expected, message, operator: 'notDeepStrictEqual', stackStartFn: notDeepStrictEqual });
    }
  }
  function strictEqual(actual, expected, message) {
    needsBoth(arguments.length);
    if (!Object.is(actual, expected)) innerFail({ actual, expected, message, operator: 'strictEqual', stackStartFn: strictEqual });
  }
  function notStrictEqual(actual, expected, message) {
    needsBoth(arguments.length);
    if (Object.is(actual, expected)) innerFail({ actual, expected, message, operator: 'notStrictEqual', stackStartFn: notStrictEqual });
  }

  // ---- throws, rejects, doesNotThrow, doesNotReject ----
  const ERROR_TYPES = 'of type function or an instance of Error, RegExp, or Object';
  // what Node's messages say a value is (`type number (1)`, `an instance of Object`, `null`)
  const described = (value) => internal.argType('x', 'y', value).message.slice('The "x" argument must be y. Received '.length);
  // A validation object's fields as the diff shows them: those that matched a RegExp as the actual text
  class Comparison {
    constructor(obj, keys, actual) {
      for (const key of keys) {
        if (!(key in obj)) continue;
        this[key] = actual !== undefined && typeof actual[key] === 'string' && isRegExp(obj[key]) && obj[key].test(actual[key])
          ? actual[key] : obj[key];
      }
    }
  }

  function thrownBy(fn) {
    if (typeof fn !== 'function') throw internal.argType('fn', 'of type function', fn);
    try {
      fn();
    } catch (err) {
      return err;
    }
    return NO_EXCEPTION;
  }

  const isPromiseLike = (value) => value instanceof Promise ||
    (value !== null && typeof value === 'object' && typeof value.then === 'function' && typeof value.catch === 'function');
  async function rejectionOf(promiseFn) {
    let promise;
    if (typeof promiseFn === 'function') {
      promise = promiseFn(); // a synchronous throw rejects rejects() itself, as in Node
      if (!isPromiseLike(promise)) {
        throw internal.codeError(TypeError, 'ERR_INVALID_RETURN_VALUE', 'Expected instance of Promise to be returned ' +
          `from the "promiseFn" function but got ${described(promise)}.`);
      }
    } else if (isPromiseLike(promiseFn)) {
      promise = promiseFn;
    } else {
      throw internal.argType('promiseFn', 'of type function or an instance of Promise', promiseFn);
    }
    try {
      await promise;
    } catch (err) {
      return err;
    }
    return NO_EXCEPTION;
  }

  function expectsError(fn, actual, args) {
    let [error, message] = args;
    if (typeof error === 'string') {
      if (args.length === 2) throw internal.argType('error', ERROR_TYPES, error);
      if (typeof actual === 'object' && actual !== null) {
        if (actual.message === error) throw ambiguous(`The error message "${actual.message}" is identical to the message.`);
      } else if (actual === error) {
        throw ambiguous(`The error "${actual}" is identical to the message.`);
      }
      message = error;
      error = undefined;
    } else if (error != null && typeof error !== 'object' && typeof error !== 'function') {
      throw internal.argType('error', ERROR_TYPES, error);
    }
    if (actual === NO_EXCEPTION) {
      const details = (error && error.name ? ` (${error.name})` : '') + (message ? `: ${message}` : '.');
      innerFail({ actual: undefined, expected: error, operator: fn.name, stackStartFn: fn,
        message: `Missing expected ${fn === rejects ? 'rejection' : 'exception'}${details}` });
    }
    if (error) checkError(actual, error, message, fn);
  }
  const ambiguous = (reason) => internal.codeError(TypeError, 'ERR_AMBIGUOUS_ARGUMENT',
    `The "error/message" argument is ambiguous. ${reason}`);

  // Whether the error thrown is the one expected (a RegExp, a validation object or function, an Error class)
  function checkError(actual, expected, message, fn) {
    let generated = false;
    if (typeof expected !== 'function') {
      if (isRegExp(expected)) {
        const text = String(actual);
        if (expected.exec(text) !== null) return;
        if (!message) {
          generated = true;
          message = `The input did not match the regular expression ${util.inspect(expected)}. Input:\n\n${util.inspect(text)}\n`;
        }
      } else if (typeof actual !== 'object' || actual === null) {
        const err = new AssertionError({ actual, expected, message, operator: 'deepStrictEqual', stackStartFn: fn });
        err.operator = fn.name;
        throw err;
      } else {
        const keys = Object.keys(expected);
        if (expected instanceof Error) keys.push('name', 'message');
        else if (keys.length === 0) {
          throw internal.codeError(TypeError, 'ERR_INVALID_ARG_VALUE',
            `The argument 'error' may not be an empty object. Received ${util.inspect(expected)}`);
        }
        for (const key of keys) {
          if (typeof actual[key] === 'string' && isRegExp(expected[key]) && expected[key].exec(actual[key]) !== null) continue;
          compareKey(actual, expected, key, message, keys, fn);
        }
        return;
      }
    } else if (expected.prototype !== undefined && actual instanceof expected) {
      return;
    } else if (Object.prototype.isPrototypeOf.call(Error, expected)) {
      if (!message) {
        generated = true;
        message = `The error is expected to be an instance of "${expected.name}". Received `;
        if (isError(actual)) {
          const name = (actual.constructor && actual.constructor.name) || actual.name;
          message += expected.name === name ? 'an error with identical name but a different prototype.' : `"${name}"`;
          if (actual.message) message += `\n\nError message:\n\n${actual.message}`;
        } else {
          message += `"${util.inspect(actual, { depth: -1 })}"`;
        }
      }
    } else {
      const result = Reflect.apply(expected, {}, [actual]);
      if (result === true) return;
      if (!message) {
        generated = true;
        const name = expected.name ? `"${expected.name}" ` : '';
        message = `The ${name}validation function is expected to return "true". Received ${util.inspect(result)}`;
        if (isError(actual)) message += `\n\nCaught error:\n\n${actual}`;
      }
    }
    const err = new AssertionError({ actual, expected, message, operator: fn.name, stackStartFn: fn });
    err.generatedMessage = generated;
    throw err;
  }

  function compareKey(actual, expected, key, message, keys, fn) {
    if (key in actual && isDeepStrictEqual(actual[key], expected[key])) return;
    if (!message) { // the diff of the fields compared, the error's and the validation object's
      const err = new AssertionError({ actual: new Comparison(actual, keys), expected: new Comparison(expected, keys, actual),
        operator: 'deepStrictEqual', stackStartFn: fn });
      err.actual = actual;
      err.expected = expected;
      err.operator = fn.name;
      throw err;
    }
    innerFail({ actual, expected, message, operator: fn.name, stackStartFn: fn });
  }

  function expectsNoError(fn, actual, args) {
    if (actual === NO_EXCEPTION) return;
    let [error, message] = args;
    if (typeof error === 'string') {
      message = error;
      error = undefined;
    }
    if (!error || matchesError(actual, error)) {
      const details = message ? `: ${message}` : '.';
      innerFail({ actual, expected: error, operator: fn.name, stackStartFn: fn,
        message: `Got unwanted ${fn === doesNotReject ? 'rejection' : 'exception'}${details}\n` +
          `Actual message: "${actual && actual.message}"` });
    }
    throw actual;
  }

  function matchesError(actual, expected) {
    if (typeof expected !== 'function') {
      if (isRegExp(expected)) return expected.exec(String(actual)) !== null;
      throw internal.argType('expected', 'of type function or an instance of RegExp', expected);
    }
    if (expected.prototype !== undefined && actual instanceof expected) return true;
    if (Object.prototype.isPrototypeOf.call(Error, expected)) return false;
    return Reflect.apply(expected, {}, [actual]) === true;
  }

  function throws(promiseFn, ...args) { expectsError(throws, thrownBy(promiseFn), args); }
  async function rejects(promiseFn, ...args) { expectsError(rejects, await rejectionOf(promiseFn), args); }
  function doesNotThrow(fn, ...args) { expectsNoError(doesNotThrow, thrownBy(fn), args); }
  async function doesNotReject(fn, ...args) { expectsNoError(doesNotReject, await rejectionOf(fn), args); }

  // ---- ifError, match, doesNotMatch ----
  function ifError(err) {
    if (err === null || err === undefined) return;
    let message = 'ifError got unwanted exception: ';
    if (typeof err === 'object' && typeof err.message === 'string') {
      message += err.message.length === 0 && err.constructor ? err.constructor.name : err.message;
    } else {
      message += util.inspect(err);
    }
    const failure = new AssertionError({ actual: err, expected: null, operator: 'ifError', message, stackStartFn: ifError });
    // its stack: its own frames down to the first the error has too, then the error's
    const original = err.stack;
    if (typeof original === 'string') {
      const framesAt = original.indexOf('\n    at');
      if (framesAt !== -1) {
        const originalFrames = original.slice(framesAt + 1).split('\n');
        let ownFrames = String(failure.stack).split('\n');
        for (const frame of originalFrames) {
          const at = ownFrames.indexOf(frame);
          if (at !== -1) {
            ownFrames = ownFrames.slice(0, at);
            break;
          }
        }
        failure.stack = `${ownFrames.join('\n')}\n${originalFrames.join('\n')}`;
      }
    }
    throw failure;
  }

  function matching(fn, shouldMatch, string, regexp, message) {
    if (!isRegExp(regexp)) throw internal.argType('regexp', 'an instance of RegExp', regexp);
    if (typeof string === 'string' && (regexp.exec(string) !== null) === shouldMatch) return;
    if (message instanceof Error) throw message;
    const generated = !message;
    if (!message) {
      message = typeof string !== 'string'
        ? `The "string" argument must be of type string. Received type ${typeof string} (${util.inspect(string)})`
        : `${shouldMatch ? 'The input did not match the regular expression '
          : 'The input was expected to not match the regular expression '}${util.inspect(regexp)}. Input:\n\n${util.inspect(string)}\n`;
    }
    const err = new AssertionError({ actual: string, expected: regexp, message, operator: fn.name, stackStartFn: fn });
    err.generatedMessage = generated;
    throw err;
  }
  function match(string, regexp, message) { matching(match, true, string, regexp, message); }
  function doesNotMatch(string, regexp, message) { matching(doesNotMatch, false, string, regexp, message); }

  // Node 20's assert.CallTracker: deprecated (DEP0173), a warning the first time one is made
  let trackerWarned = false;
  const TrackerClass = makeCallTracker(AssertionError);
  const CallTracker = function deprecated(...args) {
    if (!trackerWarned) {
      trackerWarned = true;
      process.emitWarning('assert.CallTracker is deprecated.', 'DeprecationWarning', 'DEP0173');
    }
    return new.target ? Reflect.construct(TrackerClass, args, new.target) : Reflect.apply(TrackerClass, this, args);
  };
  Object.setPrototypeOf(CallTracker, TrackerClass);
  CallTracker.prototype = TrackerClass.prototype;

  Object.assign(assert, {
    fail, AssertionError, ok, equal, notEqual, deepEqual, notDeepEqual, deepStrictEqual, notDeepStrictEqual,
    strictEqual, notStrictEqual, throws, rejects, doesNotThrow, doesNotReject, ifError, match, doesNotMatch, CallTracker,
  });
  function strict(...args) { innerOk(strict, args.length, ...args); }
  assert.strict = Object.assign(strict, assert, { equal: strictEqual, deepEqual: deepStrictEqual, notEqual: notStrictEqual,
    notDeepEqual: notDeepStrictEqual });
  assert.strict.strict = assert.strict;
  module.exports = assert;
});
