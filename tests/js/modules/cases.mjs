// The same resolution through import: the "import" condition applies instead of "require".
import { name as conditions } from '#cond';
import { name as nestedConditions } from '#nested';
import { which } from 'imports-pkg';
import * as pattern from '#lib/a';
import { sep } from '#builtin'; // a built-in by its bare name (require() of it fails in Node 20, a bug)

export async function run() {
  let dynamicMissing;
  try {
    await import('not-installed');
  } catch (err) {
    dynamicMissing = { error: err.name, code: err.code };
  }
  return { conditions, nestedConditions, packageOwnImports: which(), pattern: pattern.default.name, builtinTarget: sep, dynamicMissing };
}
