// What an ES module Lambda handler does to reach CommonJS and JSON: createRequire(import.meta.url),
// and import.meta's url, filename and dirname. Results independent of where the package lies.
import { createRequire, builtinModules, isBuiltin } from 'node:module';
import Module from 'module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import dualImported from 'dual';
import { url as spacedUrl, filename as spacedFilename } from './lib/a file é.mjs';
import { shebang } from './lib/shebang.mjs';
import fromCjs from './lib/from-cjs.cjs';

const require = createRequire(import.meta.url);
const data = require('./data.json');
const { twice } = require('./lib/util.cjs');
const here = dirname(fileURLToPath(import.meta.url));
const tail = (text, marker) => text.slice(text.lastIndexOf(marker));
const caught = (f) => { try { return f(); } catch (err) { return [err.name, err.code, err.message.split('\n')[0]]; } };

export async function run() {
  return {
    json: data,
    cjs: twice(21),
    dual: [require('dual').kind, dualImported.kind],
    resolve: require.resolve('./data.json') === join(here, 'data.json'),
    dirnames: [import.meta.dirname === here, import.meta.filename === fileURLToPath(import.meta.url)],
    url: [import.meta.url === pathToFileURL(import.meta.filename).href, tail(import.meta.url, '/')],
    spaced: [tail(spacedUrl, '/lib/'), tail(spacedFilename, '/lib/'), fileURLToPath(spacedUrl) === spacedFilename],
    shebang,
    fromCjs,
    directory: createRequire(here + '/')('./data.json') === data,
    path: createRequire(join(here, 'cases.mjs'))('./lib/util.cjs').twice(2),
    urlObject: createRequire(new URL(import.meta.url))('./data.json') === data,
    builtin: require('node:querystring').stringify({ a: [1, 2] }),
    missing: caught(() => require('./not-here.json')).map((part) => String(part).split(' (')[0]),
    relative: caught(() => createRequire('cases.mjs')),
    number: caught(() => createRequire(42)),
    isBuiltin: ['fs', 'node:fs', 'test', 'node:test', 'crypto', 'left-pad', 42].map(isBuiltin),
    builtinModules: ['crypto', 'fs', 'module', 'test'].map((n) => builtinModules.includes(n)),
    module: [Module.createRequire === createRequire, Module.Module === Module, typeof Module],
  };
}
