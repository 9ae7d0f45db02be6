'use strict';
// Module resolution cases: the edge function and real Node both run them; the test compares.
// Every require is literal, so the build resolves it (or warns, for the ones that must fail).
function attempt(f) {
  try {
    return f();
  } catch (err) {
    return { error: err.name, code: err.code, cannotFind: /^Cannot find module/.test(err.message) };
  }
}

exports.run = () => ({
  pattern: attempt(() => require('#lib/a').name),
  patternNested: attempt(() => require('#lib/sub/b').name),
  moreSpecificPatternIsNull: attempt(() => require('#lib/internal/secret')),
  conditions: attempt(() => require('#cond').name),
  nestedConditions: attempt(() => require('#nested').name),
  bareTarget: attempt(() => typeof require('#dep').download),
  arrayFallback: attempt(() => require('#fallback').name),
  escapingTarget: attempt(() => require('#escape/x')),
  notDefined: attempt(() => require('#not-defined')),
  notAnImport: attempt(() => require('#/x')),
  packageOwnImports: attempt(() => require('imports-pkg').which()),
  exportsPattern: attempt(() => require('imports-pkg/features/one.js').feature),
  exportsPatternNull: attempt(() => require('imports-pkg/features/private/two.js')),
  optionalMissing: attempt(() => require('supports-color')),
  relativeMissing: attempt(() => require('./lib/not-there')),
  tinylibLoads: attempt(() => Object.keys(require('tinylib'))),
  optionalInADependency: attempt(() => require('tinylib').optional()),
});
