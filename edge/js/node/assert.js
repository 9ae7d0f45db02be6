// require('assert'), 'node:assert' and 'assert/strict': Node 20's assertions. They are in
// assertions.js and its parts (assert_*.js), which the build adds only to functions whose sources
// name assert (edge/js/build.py's ON_DEMAND), so this file, in every function, stays small.
defineBuiltin('assert', function (exports, require, module, internal) {
  if (builtinFactories['internal/assertions'] !== undefined) {
    module.exports = require('internal/assertions');
    return;
  }
  // reached by a computed name only (require(name)): each function throws why
  const unavailable = function ok() {
    throw internal.codeError(Error, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', 'assert needs a literal ' +
      "require('assert') (or import) in the function's sources: the build includes it then");
  };
  for (const name of ['fail', 'AssertionError', 'ok', 'equal', 'notEqual', 'deepEqual', 'notDeepEqual', 'deepStrictEqual',
    'notDeepStrictEqual', 'strictEqual', 'notStrictEqual', 'throws', 'rejects', 'doesNotThrow', 'doesNotReject', 'ifError',
    'match', 'doesNotMatch', 'CallTracker', 'strict']) unavailable[name] = unavailable;
  module.exports = unavailable;
});
defineBuiltin('assert/strict', function (exports, require, module) { module.exports = require('assert').strict; });
