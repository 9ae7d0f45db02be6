// assert.CallTracker (Node 20, deprecated there): functions wrapped to count their calls, and a
// report or an AssertionError for those not called the number of times expected. Exports a maker
// taking AssertionError (assert.js defines it).
defineBuiltin('internal/assert_tracker', function (exports, require, module, internal) {
  const { inspect } = require('util');
  const MAX_UINT32 = 4294967295;

  module.exports = (AssertionError) => {
    class CallTracker {
      #tracked = new Map(); // the wrapper -> { name, expected, calls, stack }

      calls(fn, expected = 1) {
        if (typeof fn === 'number') [fn, expected] = [undefined, fn];
        const name = fn === undefined ? 'calls' : fn.name; // an untracked no-op reads as `calls`, as in Node
        if (fn === undefined) fn = [() => {}][0]; // nameless, as Node's no-op
        else if (typeof fn !== 'function') throw internal.argType('fn', 'of type function', fn);
        if (typeof expected !== 'number') throw internal.argType('expected', 'of type number', expected);
        const range = !Number.isInteger(expected) ? 'an integer' : expected < 1 || expected > MAX_UINT32
          ? `>= 1 && <= ${MAX_UINT32}` : undefined;
        if (range !== undefined) {
          throw internal.codeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "expected" is out of range. It must be ${range}. ` +
            `Received ${expected}`);
        }
        const record = { name, expected, calls: [], stack: new Error() };
        const wrapper = new Proxy(fn, {
          apply(target, thisArg, args) {
            record.calls.push(Object.freeze({ thisArg, arguments: args }));
            return Reflect.apply(target, thisArg, args);
          },
        });
        this.#tracked.set(wrapper, record);
        return wrapper;
      }

      #record(tracked) {
        const record = this.#tracked.get(tracked);
        if (record === undefined) {
          throw internal.codeError(TypeError, 'ERR_INVALID_ARG_VALUE',
            `The argument 'tracked' is not a tracked function. Received ${inspect(tracked)}`);
        }
        return record;
      }

      getCalls(tracked) { return Object.freeze([...this.#record(tracked).calls]); }

      reset(tracked) {
        if (tracked === undefined) for (const record of this.#tracked.values()) record.calls = [];
        else this.#record(tracked).calls = [];
      }

      report() {
        const out = [];
        for (const { name, expected, calls, stack } of this.#tracked.values()) {
          if (calls.length === expected) continue;
          out.push({
            message: `Expected the ${name} function to be executed ${expected} time(s) but was executed ${calls.length} time(s).`,
            actual: calls.length, expected, operator: name, stack,
          });
        }
        return out;
      }

      verify() {
        const details = this.report();
        if (details.length === 0) return;
        const message = details.length === 1 ? details[0].message : 'Functions were not called the expected number of times';
        throw new AssertionError({ message, details });
      }
    }
    return CallTracker;
  };
});
