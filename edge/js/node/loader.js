// Modules as Node loads them, at build time: CommonJS files are wrapped in Node's function wrapper
// (so sloppy-mode code stays sloppy) and compiled; ES modules go through QuickJS's module loader
// with the hooks below. Every module reachable from the handler is found by scanning its source
// for require()/import of literal names, so a missing or unsupported module fails the build with
// its name, not a request. Nothing is read from a filesystem after the build: there is none.
const loader = (function () {
  const SUPPORTED = new Set(Object.keys(builtinFactories).filter((n) => !n.startsWith('internal/')));
  const NODE_BUILTINS = new Set([
    'assert', 'assert/strict', 'async_hooks', 'buffer', 'child_process', 'cluster', 'console', 'constants', 'crypto',
    'dgram', 'diagnostics_channel', 'dns', 'dns/promises', 'domain', 'events', 'fs', 'fs/promises', 'http', 'http2',
    'https', 'inspector', 'module', 'net', 'os', 'path', 'path/posix', 'path/win32', 'perf_hooks', 'process',
    'punycode', 'querystring', 'readline', 'repl', 'stream', 'stream/promises', 'stream/web', 'string_decoder',
    'sys', 'timers', 'timers/promises', 'tls', 'trace_events', 'tty', 'url', 'util', 'util/types', 'v8', 'vm',
    'wasi', 'worker_threads', 'zlib', 'test', 'sqlite', 'sea',
  ]);
  const EXTENSIONS = ['.js', '.json', '.mjs', '.cjs'];
  const cache = Object.create(null); // filename -> module
  const compiled = Object.create(null); // filename -> CommonJS wrapper function (build time)
  const formats = Object.create(null); // filename -> 'cjs' | 'esm' | 'json'
  const resolved = Object.create(null); // filename -> { specifier: target }
  const jsonText = Object.create(null);
  const esmSources = Object.create(null);

  class BuildError extends Error {}

  function dirname(p) {
    const i = p.lastIndexOf('/');
    return i <= 0 ? '/' : p.slice(0, i);
  }
  function normalize(p) {
    const out = [];
    for (const part of p.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') out.pop();
      else out.push(part);
    }
    return '/' + out.join('/');
  }
  function rel(p) {
    return p.startsWith(CONFIG.root + '/') ? p.slice(CONFIG.root.length + 1) : p;
  }
  function stat(p) { return native.stat(p); } // 0 missing, 1 file, 2 directory
  function read(p) { return native.readFile(p); }

  function packageData(dir) {
    const text = stat(dir + '/package.json') === 1 ? read(dir + '/package.json') : null;
    if (text === null) return null;
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new BuildError(`${rel(dir + '/package.json')}: invalid JSON (${err.message})`);
    }
  }

  // Nearest package.json "type" decides what a .js file is, as in Node.
  function formatOf(filename) {
    if (filename.endsWith('.mjs')) return 'esm';
    if (filename.endsWith('.cjs')) return 'cjs';
    if (filename.endsWith('.json')) return 'json';
    for (let dir = dirname(filename); dir.length >= CONFIG.root.length; dir = dirname(dir)) {
      const pkg = packageData(dir);
      if (pkg !== null) return pkg.type === 'module' ? 'esm' : 'cjs';
      if (dir === '/') break;
    }
    return 'cjs';
  }

  function tryFile(p) {
    if (stat(p) === 1) return p;
    for (const ext of EXTENSIONS) if (stat(p + ext) === 1) return p + ext;
    return null;
  }
  function tryDirectory(p) {
    if (stat(p) !== 2) return null;
    const pkg = packageData(p);
    if (pkg && typeof pkg.main === 'string' && pkg.main) {
      const main = normalize(p + '/' + pkg.main);
      const found = tryFile(main) || tryIndex(main);
      if (found) return found;
    }
    return tryIndex(p);
  }
  function tryIndex(p) {
    for (const ext of EXTENSIONS) if (stat(p + '/index' + ext) === 1) return p + '/index' + ext;
    return null;
  }
  function exportsTarget(pkgDir, pkg, subpath, conditions) {
    let exp = pkg.exports;
    if (exp === undefined) return undefined;
    if (typeof exp === 'string' || Array.isArray(exp) || (exp && !Object.keys(exp).some((k) => k.startsWith('.')))) {
      exp = { '.': exp };
    }
    let target = exp[subpath];
    if (target === undefined) {
      for (const key of Object.keys(exp)) {
        const star = key.indexOf('*');
        if (star >= 0 && subpath.startsWith(key.slice(0, star)) && subpath.endsWith(key.slice(star + 1))) {
          const middle = subpath.slice(star, subpath.length - (key.length - star - 1));
          target = JSON.parse(JSON.stringify(exp[key]).replaceAll('*', middle));
          break;
        }
      }
    }
    const pick = (t) => {
      if (typeof t === 'string') return t;
      if (Array.isArray(t)) {
        for (const x of t) { const r = pick(x); if (r) return r; }
        return null;
      }
      if (t && typeof t === 'object') {
        for (const [cond, value] of Object.entries(t)) {
          if (conditions.includes(cond)) { const r = pick(value); if (r) return r; }
        }
      }
      return null;
    };
    const chosen = pick(target);
    return chosen ? normalize(pkgDir + '/' + chosen) : null;
  }

  // Resolve `specifier` imported by `parent` (a filename). Returns 'node:<name>' for built-ins.
  function resolve(specifier, parent, esm) {
    if (specifier.startsWith('node:')) {
      const name = specifier.slice(5);
      if (SUPPORTED.has(name)) return 'node:' + name;
      throw unsupported(specifier, parent);
    }
    if (SUPPORTED.has(specifier)) return 'node:' + specifier;
    if (NODE_BUILTINS.has(specifier)) throw unsupported(specifier, parent);
    if (specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('/') || specifier === '.' || specifier === '..') {
      const base = specifier.startsWith('/') ? specifier : normalize(dirname(parent) + '/' + specifier);
      const found = esm ? (stat(base) === 1 ? base : tryFile(base) || tryDirectory(base)) : tryFile(base) || tryDirectory(base);
      if (found && found.startsWith(CONFIG.root + '/')) return found;
      throw notFound(specifier, parent);
    }
    // a package in node_modules, searched from the importing file's directory up to the function root
    const parts = specifier.split('/');
    const pkgName = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
    const subpath = '.' + specifier.slice(pkgName.length);
    for (let dir = dirname(parent); ; dir = dirname(dir)) {
      if (!dir.endsWith('/node_modules')) {
        const pkgDir = dir + '/node_modules/' + pkgName;
        if (stat(pkgDir) === 2) {
          const pkg = packageData(pkgDir) || {};
          const viaExports = exportsTarget(pkgDir, pkg, subpath, esm ? ['import', 'node', 'default'] : ['require', 'node', 'default']);
          if (viaExports) {
            if (stat(viaExports) === 1) return viaExports;
            throw notFound(specifier, parent);
          }
          const base = pkgDir + specifier.slice(pkgName.length);
          const found = tryFile(base) || tryDirectory(base);
          if (found) return found;
        }
      }
      if (dir.length <= CONFIG.root.length || dir === '/') break;
    }
    throw notFound(specifier, parent);
  }

  // Why a built-in is missing, by what it is for (the sandbox has no filesystem, network or processes;
  // the rest are simply not part of the Node layer).
  const MISSING_BECAUSE = [
    [/^fs(\/|$)/, 'edge functions have no filesystem: put data in a JSON file of the package and require() it ' +
      "(require('./data.json'), or import data from './data.json' with { type: 'json' }), which is read once at build time"],
    [/^(http|https|http2|net|tls|dgram|dns)(\/|$)/, 'edge functions cannot make network calls'],
    [/^(child_process|cluster|worker_threads)$/, 'edge functions cannot start processes or threads'],
  ];
  function unsupported(specifier, parent) {
    const name = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
    const found = MISSING_BECAUSE.find(([pattern]) => pattern.test(name));
    const why = found ? found[1] : 'it is not part of the Node.js layer edge functions have';
    return new BuildError(
      `${rel(parent)}: module '${specifier}' is a Node.js built-in that edge functions do not have (${why}). ` +
      `Available built-ins: ${[...new Set([...SUPPORTED, ...CONFIG.onDemand])].sort().join(', ')}`);
  }
  function notFound(specifier, parent) {
    let hint = ' (bundle it into node_modules/ of the function, as for a Lambda deployment package)';
    if (specifier === 'aws-sdk' || specifier.startsWith('@aws-sdk/')) {
      hint = ': the AWS SDK is not available in edge functions (they cannot make network calls); ' +
        'move that work to the origin or do it before deploying';
    }
    const err = new BuildError(`${rel(parent)}: cannot find module '${specifier}'${hint}`);
    err.code = 'MODULE_NOT_FOUND';
    return err;
  }

  // ---- static scan: literal require()/import specifiers, outside comments and strings ----
  function scan(source) {
    const found = [];
    const n = source.length;
    let i = 0;
    let lastSignificant = '';
    const regexAllowedAfter = '(,=:[!&|?{};+-*%<>~^';
    while (i < n) {
      const c = source[i];
      if (c === '/' && source[i + 1] === '/') { while (i < n && source[i] !== '\n') i++; continue; }
      if (c === '/' && source[i + 1] === '*') { const end = source.indexOf('*/', i + 2); i = end < 0 ? n : end + 2; continue; }
      if (c === '"' || c === "'") {
        i++;
        while (i < n && source[i] !== c && source[i] !== '\n') i += source[i] === '\\' ? 2 : 1;
        i++; lastSignificant = 'x'; continue;
      }
      if (c === '`') {
        i++;
        while (i < n && source[i] !== '`') i += source[i] === '\\' ? 2 : 1;
        i++; lastSignificant = 'x'; continue;
      }
      if (c === '/' && (lastSignificant === '' || regexAllowedAfter.includes(lastSignificant))) {
        i++;
        let inClass = false;
        while (i < n && source[i] !== '\n') {
          const d = source[i];
          if (d === '\\') { i += 2; continue; }
          if (d === '[') inClass = true;
          else if (d === ']') inClass = false;
          else if (d === '/' && !inClass) break;
          i++;
        }
        i++; lastSignificant = 'x'; continue;
      }
      if (/[A-Za-z_$]/.test(c)) {
        let j = i;
        while (j < n && /[\w$]/.test(source[j])) j++;
        const word = source.slice(i, j);
        const prev = i > 0 ? source[i - 1] : '';
        if (prev !== '.' && (word === 'require' || word === 'import' || word === 'from' || word === 'export')) {
          const m = /^\s*\(?\s*(['"])([^'"\n]+)\1/.exec(source.slice(j, j + 300));
          if (m && (word !== 'require' || /^\s*\(/.test(source.slice(j)))) {
            if (word !== 'import' || /^\s*\(|^\s*['"]/.test(source.slice(j))) {
              found.push({ specifier: m[2], line: source.slice(0, i).split('\n').length, dynamic: word === 'import' && /^\s*\(/.test(source.slice(j)) });
            }
          }
        }
        lastSignificant = word === 'return' || word === 'typeof' || word === 'case' ? '(' : 'x';
        i = j;
        continue;
      }
      if (!/\s/.test(c)) lastSignificant = c;
      if (c === ')' || c === ']') lastSignificant = 'x';
      i++;
    }
    return found;
  }

  // ---- CommonJS ----
  const wrapperHead = '(function (exports, require, module, __filename, __dirname) { ';
  const wrapperTail = '\n})';

  function prepare(filename) {
    if (formats[filename] !== undefined) return;
    const format = formatOf(filename);
    formats[filename] = format;
    const source = read(filename);
    if (source === null) throw new BuildError(`cannot read ${rel(filename)}`);
    if (format === 'json') { jsonText[filename] = source; return; }
    const table = resolved[filename] = Object.create(null);
    for (const { specifier, line } of scan(source)) {
      if (table[specifier] !== undefined) continue;
      let target;
      try {
        target = resolve(specifier, filename, format === 'esm');
      } catch (err) {
        if (err instanceof BuildError) err.message = err.message.replace(rel(filename) + ':', `${rel(filename)}:${line}:`);
        throw err;
      }
      table[specifier] = target;
      if (!target.startsWith('node:')) prepare(target);
      else builtinsUsed.add(target.slice(5));
    }
    if (format === 'cjs') {
      const body = source.startsWith('#!') ? '//' + source : source;
      compiled[filename] = native.evalScript(wrapperHead + body + wrapperTail, filename);
    } else {
      esmSources[filename] = source;
    }
  }

  const builtinsUsed = new Set();

  class Module {
    constructor(id, parent) {
      this.id = id;
      this.filename = id;
      this.path = dirname(id);
      this.exports = {};
      this.loaded = false;
      this.parent = parent;
      this.children = [];
      this.paths = [];
    }
    require(specifier) { return requireFrom(this, specifier); }
  }

  function requireFrom(parent, specifier) {
    if (typeof specifier !== 'string') throw internal.argType('id', 'of type string', specifier);
    const table = resolved[parent.filename];
    let target = table && table[specifier];
    if (target === undefined) {
      if (SUPPORTED.has(specifier) || (specifier.startsWith('node:') && SUPPORTED.has(specifier.slice(5)))) {
        target = 'node:' + (specifier.startsWith('node:') ? specifier.slice(5) : specifier);
      } else if (specifier.startsWith('.') || specifier.startsWith('/')) {
        const base = normalize((specifier.startsWith('/') ? '' : parent.path + '/') + specifier);
        target = [base, ...EXTENSIONS.map((e) => base + e), ...EXTENSIONS.map((e) => base + '/index' + e)]
          .find((p) => formats[p] !== undefined);
      }
      if (target === undefined) {
        throw internal.codeError(Error, 'MODULE_NOT_FOUND',
          `Cannot find module '${specifier}' (edge functions can require only built-ins and modules found by ` +
          `scanning the function's sources for require('...') at build time)\nRequire stack:\n- ${parent.filename}`);
      }
    }
    if (target.startsWith('node:')) return requireBuiltin(target);
    return load(target, parent);
  }

  function load(filename, parent) {
    const cached = cache[filename];
    if (cached !== undefined) return cached.exports;
    const format = formats[filename];
    if (format === 'esm') {
      throw internal.codeError(Error, 'ERR_REQUIRE_ESM',
        `require() of ES Module ${filename} from ${parent ? parent.filename : 'the handler'} not supported. ` +
        'Use import instead, or name the file .cjs');
    }
    const module = new Module(filename, parent);
    cache[filename] = module;
    if (parent) parent.children.push(module);
    if (format === 'json') {
      try {
        module.exports = JSON.parse(jsonText[filename]);
      } catch (err) {
        delete cache[filename];
        err.message = `${filename}: ${err.message}`;
        throw err;
      }
    } else {
      const wrapper = compiled[filename];
      const require = makeRequire(module);
      try {
        wrapper.call(module.exports, module.exports, require, module, filename, module.path);
      } catch (err) {
        delete cache[filename];
        throw err;
      }
    }
    module.loaded = true;
    return module.exports;
  }

  function makeRequire(module) {
    const require = (specifier) => requireFrom(module, specifier);
    require.resolve = (specifier) => {
      const t = resolved[module.filename] && resolved[module.filename][specifier];
      if (t === undefined) throw internal.codeError(Error, 'MODULE_NOT_FOUND', `Cannot find module '${specifier}'`);
      return t.startsWith('node:') ? specifier : t;
    };
    require.cache = cache;
    require.main = mainModule;
    return require;
  }
  let mainModule;

  // ---- ES modules: QuickJS asks these hooks (engine/edge_js.c) ----
  function esmResolve(specifier, base) {
    if (base === '' || base === undefined) return specifier; // the entry, already absolute
    if (base.startsWith('node:') || base.startsWith('cjs:')) base = CONFIG.root + '/index.js';
    const target = resolve(specifier, base, true);
    if (target.startsWith('node:')) {
      builtinsUsed.add(target.slice(5));
      return target;
    }
    prepare(target);
    if (formats[target] === 'cjs' || formats[target] === 'json') return 'cjs:' + target;
    return target;
  }

  function namedExports(value) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return [];
    return Object.keys(value).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default');
  }

  function esmSource(name) {
    if (name.startsWith('node:')) {
      const exports = requireBuiltin(name);
      return moduleFacade(`__edge_loader.builtin(${JSON.stringify(name)})`, namedExports(exports));
    }
    if (name.startsWith('cjs:')) {
      const filename = name.slice(4);
      const exports = load(filename, undefined);
      return moduleFacade(`__edge_loader.cjs(${JSON.stringify(filename)})`, namedExports(exports));
    }
    const source = esmSources[name];
    if (source === undefined) throw new Error(`Cannot find module '${name}'`);
    return source;
  }

  function moduleFacade(expr, names) {
    const lines = [`const m = ${expr};`, 'export default m;'];
    for (const n of names) lines.push(`export const ${n} = m.${n};`);
    return lines.join('\n');
  }

  globalThis.__edge_loader = {
    builtin: (name) => requireBuiltin(name),
    cjs: (filename) => load(filename, undefined),
  };
  Object.defineProperty(globalThis, '__edge_loader', { enumerable: false });

  native.setHooks({ resolve: esmResolve, source: esmSource });

  // ---- the handler ----
  function loadHandler() {
    const entry = CONFIG.entry;
    prepare(entry);
    const format = formats[entry];
    if (format === 'esm') {
      let namespace;
      let failure;
      native.importModule(entry).then((ns) => { namespace = ns; }, (err) => { failure = err; });
      return { pending: () => namespace === undefined && failure === undefined, get: () => {
        if (failure !== undefined) throw failure;
        return namespace;
      } };
    }
    mainModule = new Module(entry, null);
    mainModule.id = '.';
    cache[entry] = mainModule;
    const wrapper = compiled[entry];
    wrapper.call(mainModule.exports, mainModule.exports, makeRequire(mainModule), mainModule, entry, mainModule.path);
    mainModule.loaded = true;
    return { pending: () => false, get: () => mainModule.exports };
  }

  return { loadHandler, esmResolve, esmSource, BuildError, builtinsUsed, formats };
})();
