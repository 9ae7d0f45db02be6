// Modules as Node loads them, at build time: CommonJS files are wrapped in Node's function wrapper
// (so sloppy-mode code stays sloppy) and compiled; ES modules go through QuickJS's module loader
// with the hooks below. Every module reachable from the handler is found by scanning its source
// for require()/import of literal names, and of names with a literal directory (keepComputed). One
// that runs while the function loads with another computed name is resolved with the files then.
// One that cannot be had (not bundled, or a built-in edge
// functions lack) is a warning naming the file and line, and that require() throws when it runs,
// as Node's does for a missing module: optional and guarded requires work, and one that runs while
// the function loads fails the build. A static import of it fails the build, as Node fails to link
// it. Nothing is read from a filesystem after the build: there is none.
const loader = (function () {
  // `module`: Node's Module class, for ES modules that require() through createRequire(import.meta.url)
  // (a JSON file, a CommonJS package); the require()s in their source are found at build time like
  // any other. Defined here, before SUPPORTED is taken, as it is the loader's own.
  defineBuiltin('module', (exports, requireBuiltin, module) => {
    Object.assign(Module, {
      createRequire,
      builtinModules: [...NODE_BUILTINS].filter((n) => !PREFIX_ONLY.has(n)).sort(),
      isBuiltin: (name) => typeof name === 'string' &&
        (NODE_BUILTINS.has(name.startsWith('node:') ? name.slice(5) : name) && (name.startsWith('node:') || !PREFIX_ONLY.has(name))),
      Module,
    });
    module.exports = Module;
  });
  const SUPPORTED = new Set(Object.keys(builtinFactories).filter((n) => !n.startsWith('internal/')));
  const NODE_BUILTINS = new Set([
    'assert', 'assert/strict', 'async_hooks', 'buffer', 'child_process', 'cluster', 'console', 'constants', 'crypto',
    'dgram', 'diagnostics_channel', 'dns', 'dns/promises', 'domain', 'events', 'fs', 'fs/promises', 'http', 'http2',
    'https', 'inspector', 'module', 'net', 'os', 'path', 'path/posix', 'path/win32', 'perf_hooks', 'process',
    'punycode', 'querystring', 'readline', 'repl', 'stream', 'stream/consumers', 'stream/promises', 'stream/web',
    'string_decoder',
    'sys', 'timers', 'timers/promises', 'tls', 'trace_events', 'tty', 'url', 'util', 'util/types', 'v8', 'vm',
    'wasi', 'worker_threads', 'zlib', 'test', 'test/reporters', 'sqlite', 'sea', 'inspector/promises', 'readline/promises',
    // Node's internals still requirable by name (readable-stream's and old packages' feature tests)
    '_http_agent', '_http_client', '_http_common', '_http_incoming', '_http_outgoing', '_http_server', '_stream_duplex',
    '_stream_passthrough', '_stream_readable', '_stream_transform', '_stream_wrap', '_stream_writable', '_tls_common',
    '_tls_wrap',
  ]);
  // only as node:test, … (not in builtinModules)
  const PREFIX_ONLY = new Set(['test', 'test/reporters', 'sqlite', 'sea']);
  const EXTENSIONS = ['.js', '.json', '.mjs', '.cjs', '.node'];
  const cache = Object.create(null); // filename -> module
  const compiled = Object.create(null); // filename -> CommonJS wrapper function (build time)
  const lazySources = Object.create(null); // filename -> a CommonJS file's wrapped source (UTF-8), compiled on first require()
  const formats = Object.create(null); // filename -> 'cjs' | 'esm' | 'json'
  const resolved = Object.create(null); // filename -> { specifier: target }
  const jsonText = Object.create(null);
  const esmSources = Object.create(null);
  const esmRequires = Object.create(null); // ES module filename -> { specifier: target } of its require()s
  const esmShift = Object.create(null); // ES module filename -> characters import.meta's settings put before its line 1

  class BuildError extends Error {}
  BuildError.prototype.name = 'BuildError'; // edge/js/build.py shows its message alone

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

  // A file's real path, as Node gives modules theirs: the package's symbolic links (pnpm's
  // node_modules/x -> .pnpm/x@1/node_modules/x, listed by edge/js/links.py) replaced, so a package
  // finds its dependencies where they really are.
  const LINKS = CONFIG.links || {};
  const LINKS_OUT = new Set(CONFIG.linksOut || []);
  function realpath(p) {
    for (let hops = 0; hops < 40; hops++) {
      const parts = p.split('/');
      let i = 2;
      while (i <= parts.length && LINKS[parts.slice(0, i).join('/')] === undefined) i++;
      if (i > parts.length) return p;
      p = LINKS[parts.slice(0, i).join('/')] + (i < parts.length ? '/' + parts.slice(i).join('/') : '');
    }
    return p;
  }
  function read(p) { return native.readFile(p); }

  // ---- the package's files ----
  // While the function loads its files are there (at /var/task) and `stat` looks at them;
  // /edge/files.txt (edge/js/build.py) lists them, as the engine cannot list a directory, for what a
  // computed name can load (keepComputed). Once it has loaded there is no filesystem: resolution and
  // the messages then know what the build kept (keepListing): the modules it prepared, the
  // package.json fields it read, and a list of files (the function's own, the directories computed
  // names were expanded in, and, when a module uses require.resolve, the packages the build loaded
  // and the function's dependencies), in one string, compact enough for the snapshot.
  function listing(count, get) { // sorted paths, found by halving
    const lower = (key) => {
      let lo = 0;
      let hi = count;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (get(mid) < key) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    return {
      count, get,
      isFile: (p) => { const k = lower(p); return k < count && get(k) === p; },
      isDir: (p) => { const k = lower(p + '/'); return k < count && get(k).startsWith(p + '/'); },
      range: (dir) => { // the indexes of the files under dir: [from, to)
        const from = lower(dir + '/');
        return [from, lower(dir + '0')]; // '0' follows '/'
      },
    };
  }
  // every file of the package and its size, while the function loads: the file's lines, found by
  // their offsets (few objects made, and freed, so the snapshot does not keep their traces)
  let buildFiles = null;
  function packageFiles() {
    if (buildFiles !== null || !internal.initializing) return buildFiles;
    const text = read('/edge/files.txt') || '';
    let count = 0;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) count++;
    const starts = new Uint32Array(count);
    const tabs = new Uint32Array(count);
    for (let k = 0, at = 0; k < count; k++) {
      starts[k] = at;
      const end = text.indexOf('\n', at);
      tabs[k] = text.lastIndexOf('\t', end);
      at = end + 1;
    }
    const prefix = CONFIG.root + '/';
    // sorted as JavaScript compares strings (edge/js/build.py sorts by UTF-16 code units)
    buildFiles = listing(count, (k) => prefix + text.slice(starts[k], tabs[k]));
    buildFiles.size = (k) => Number(text.slice(tabs[k] + 1, text.indexOf('\n', tabs[k]))); // each line ends with one
    return buildFiles;
  }
  let kept = null; // the files listed for request time (keepListing)
  const coverage = []; // directories whose files `kept` has in full, apart from a node_modules in them
  function covered(p) {
    return coverage.some((dir) => p === dir ||
      (p.startsWith(dir + '/') && !p.slice(dir.length + 1).split('/').includes('node_modules')));
  }
  // 0 missing, 1 file, 2 directory
  function stat(p) {
    return internal.initializing ? native.stat(p) : keptKind(realpath(p));
  }
  let preparedDirs = null;
  function keptKind(p) {
    if (formats[p] !== undefined || (p.endsWith('/package.json') && packages.has(dirname(p)))) return 1;
    if (kept !== null && kept.isFile(p)) return 1;
    if (kept !== null && kept.isDir(p)) return 2;
    if (preparedDirs === null) { // the directories of the modules the build prepared
      preparedDirs = new Set();
      for (const file of Object.keys(formats)) {
        for (let d = dirname(file); d !== '/' && !preparedDirs.has(d); d = dirname(d)) preparedDirs.add(d);
      }
    }
    return preparedDirs.has(p) ? 2 : 0;
  }
  // fs at request time: a file (1) or a directory (2) of the package, a place the package has nothing
  // (0), or undefined when the build did not list the place
  internal.packageFile = (p) => {
    if (kept === null || internal.initializing) return undefined;
    const real = realpath(p);
    if (kept.isFile(real)) return 1;
    if (kept.isDir(real)) return 2;
    return covered(real) ? 0 : undefined;
  };

  // A directory's package.json, what the loader reads of it, or null. Kept for request time as JSON
  // text: the objects of a hundred packages' "exports" maps would be ~70 KB of every snapshot.
  const PACKAGE_FIELDS = ['name', 'type', 'main', 'exports', 'imports'];
  const packages = new Map(); // directory -> JSON text
  const packageObjects = new Map(); // the same, parsed, while the function loads
  function packageData(dir) {
    if (packageObjects.has(dir)) return packageObjects.get(dir);
    if (!internal.initializing) { // by real path, as keptKind looks (pnpm's links)
      const text = packages.get(realpath(dir));
      return text === undefined ? null : JSON.parse(text);
    }
    const text = stat(dir + '/package.json') === 1 ? read(dir + '/package.json') : null;
    let data = null;
    if (text !== null) {
      let pkg;
      try {
        pkg = JSON.parse(text);
      } catch (err) {
        throw Object.assign(new BuildError(`${rel(dir + '/package.json')}: invalid JSON (${err.message})`), {
          code: 'ERR_INVALID_PACKAGE_CONFIG', Ctor: Error, more: '',
          runtimeMessage: `Invalid package config ${dir}/package.json: ${err.message}`,
        });
      }
      if (pkg !== null) {
        data = {};
        for (const key of PACKAGE_FIELDS) if (typeof pkg === 'object' && pkg[key] !== undefined) data[key] = pkg[key];
      }
    }
    if (data !== null) packages.set(realpath(dir), JSON.stringify(data)); // (none: null, at request time too)
    packageObjects.set(dir, data);
    return data;
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
  // Node's PATTERN_KEY_COMPARE: the longest part before '*' first, then the longest key.
  function patternKeyCompare(a, b) {
    return (b.indexOf('*') - a.indexOf('*')) || (b.length - a.length);
  }
  // Node's PACKAGE_IMPORTS_EXPORTS_RESOLVE: the entry of an "exports" or "imports" map for `key`, an
  // exact key first, else the most specific pattern with one '*'. Returns [target, what '*' stands for].
  function mapEntry(map, key) {
    if (Object.prototype.hasOwnProperty.call(map, key) && !key.includes('*')) return [map[key], null];
    const patterns = Object.keys(map).filter((k) => k.indexOf('*') >= 0 && k.indexOf('*') === k.lastIndexOf('*'));
    for (const pattern of patterns.sort(patternKeyCompare)) {
      const star = pattern.indexOf('*');
      const base = pattern.slice(0, star);
      const trailer = pattern.slice(star + 1);
      if (key.startsWith(base) && key !== base &&
          (trailer === '' || (key.endsWith(trailer) && key.length >= pattern.length))) {
        return [map[pattern], key.slice(base.length, key.length - trailer.length)];
      }
    }
    return null;
  }
  const badSegment = (s) => s.split(/[\\/]/).some((p) => p === '.' || p === '..' || p.toLowerCase() === 'node_modules');
  // Node's PACKAGE_TARGET_RESOLVE: a target string, or the first of an array or of a conditions object
  // that applies (`conditions` and "default", in the object's order). Gives a filename, a bare
  // specifier ("imports" only: "#dep": "a-package"), or null / undefined when nothing applies.
  function targetOf(pkgDir, target, match, imports, conditions, parent) {
    if (typeof target === 'string') {
      const invalid = () => failure(parent, `${rel(pkgDir + '/package.json')}: invalid package target ${JSON.stringify(target)}`,
        'ERR_INVALID_PACKAGE_TARGET', `Invalid package target ${JSON.stringify(target)} in ${pkgDir}/package.json`);
      if (!target.startsWith('./')) {
        if (!imports || target.startsWith('../') || target.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(target)) throw invalid();
        return match === null ? target : target.replaceAll('*', match);
      }
      if (badSegment(target.slice(2)) || (match !== null && badSegment(match))) throw invalid();
      return normalize(pkgDir + '/' + (match === null ? target : target.replaceAll('*', match)));
    }
    if (Array.isArray(target)) {
      if (target.length === 0) return null;
      let last;
      for (const t of target) {
        try {
          last = targetOf(pkgDir, t, match, imports, conditions, parent);
        } catch (err) {
          if (!(err instanceof BuildError) || err.code !== 'ERR_INVALID_PACKAGE_TARGET') throw err;
          last = err;
          continue;
        }
        if (last !== undefined) return last;
      }
      if (last instanceof Error) throw last;
      return last;
    }
    if (target && typeof target === 'object') {
      for (const [cond, value] of Object.entries(target)) {
        if (cond !== 'default' && !conditions.includes(cond)) continue;
        const found = targetOf(pkgDir, value, match, imports, conditions, parent);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    return null;
  }
  function exportsTarget(pkgDir, pkg, subpath, conditions, parent) {
    let exp = pkg.exports;
    if (typeof exp === 'string' || Array.isArray(exp) || !Object.keys(exp).some((k) => k.startsWith('.'))) {
      exp = { '.': exp };
    }
    const entry = mapEntry(exp, subpath);
    return (entry && targetOf(pkgDir, entry[0], entry[1], false, conditions, parent)) || null;
  }
  // Conditions as Node's require() and import match them ("default" always applies).
  // 'module-sync' (Node 20.19+, with require(esm)): a package's synchronous ES module, for both
  const conditionsFor = (esm) => (esm ? ['node', 'import', 'module-sync'] : ['node', 'require', 'module-sync']);

  // Node's PACKAGE_IMPORTS_RESOLVE: '#name' through "imports" of the package the importing file is in.
  function resolveImport(specifier, parent, esm) {
    if (specifier === '#' || specifier.startsWith('#/')) {
      throw failure(parent, `'${specifier}' is not a valid package import specifier`, 'ERR_INVALID_MODULE_SPECIFIER',
        `Invalid module "${specifier}" is not a valid internal imports specifier name imported from ${parent}`, TypeError);
    }
    let scope = null;
    for (let dir = dirname(parent); !dir.endsWith('/node_modules'); dir = dirname(dir)) {
      const pkg = packageData(dir);
      if (pkg !== null) { scope = [dir, pkg]; break; }
      if (dir.length <= CONFIG.root.length || dir === '/') break;
    }
    if (scope !== null && scope[1].imports && typeof scope[1].imports === 'object') {
      const [dir, pkg] = scope;
      const entry = mapEntry(pkg.imports, specifier);
      const target = entry && targetOf(dir, entry[0], entry[1], true, conditionsFor(esm), parent);
      if (target && target.startsWith('/')) {
        if (stat(target) === 1) return target;
        throw notFound(target, parent, esm, { base: target });
      }
      if (target) return resolve(target, parent, esm, dir); // a package or a built-in, seen from the package
    }
    const where = scope === null ? '' : ` in package ${scope[0]}/package.json`;
    const pkg = scope === null ? 'no package.json has "imports"' : `not defined by "imports" in ${rel(scope[0] + '/package.json')}`;
    throw failure(parent, `package import '${specifier}' is ${pkg}`, 'ERR_PACKAGE_IMPORT_NOT_DEFINED',
      `Package import specifier "${specifier}" is not defined${where} imported from ${parent}`, TypeError);
  }

  // Resolve `specifier` imported by `parent` (a filename), from the directory `from` (the parent's).
  // Returns 'node:<name>' for built-ins, else a filename; a BuildError (see failure()) if there is none.
  function resolve(specifier, parent, esm, from = dirname(parent)) {
    if (specifier.startsWith('node:')) {
      const name = specifier.slice(5);
      if (SUPPORTED.has(name)) return 'node:' + name;
      if (!NODE_BUILTINS.has(name)) throw unknownBuiltin(specifier, parent);
      throw unsupported(specifier, parent, esm);
    }
    if (SUPPORTED.has(specifier)) return 'node:' + specifier;
    if (NODE_BUILTINS.has(specifier) && !PREFIX_ONLY.has(specifier)) throw unsupported(specifier, parent, esm);
    if (specifier.startsWith('#')) return resolveImport(specifier, parent, esm);
    if (specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('/') || specifier === '.' || specifier === '..') {
      const base = specifier.startsWith('/') ? specifier : normalize(from + '/' + specifier);
      const found = esm ? (stat(base) === 1 ? base : tryFile(base) || tryDirectory(base)) : tryFile(base) || tryDirectory(base);
      if (found && found.startsWith(CONFIG.root + '/')) return realpath(found);
      throw notFound(specifier, parent, esm, { base, missing: `module '${base}'` });
    }
    // a package in node_modules, searched from the importing file's directory up to the function root
    const parts = specifier.split('/');
    const pkgName = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
    if (AWS_SDK_CLIENT.test(pkgName)) throw awsSdk(specifier, parent, esm);
    const subpath = '.' + specifier.slice(pkgName.length);
    let missing = `package '${pkgName}'`; // what Node's import() says it cannot find: the first package directory's file
    for (let dir = from; ; dir = dirname(dir)) {
      if (!dir.endsWith('/node_modules')) {
        const pkgDir = dir + '/node_modules/' + pkgName;
        if (stat(pkgDir) === 2) {
          const pkg = packageData(pkgDir) || {};
          if (pkg.exports !== undefined && pkg.exports !== null) {
            const viaExports = exportsTarget(pkgDir, pkg, subpath, conditionsFor(esm), parent);
            if (viaExports && stat(viaExports) === 1) return realpath(viaExports);
            if (viaExports) throw notFound(specifier, parent, esm, { missing: `module '${viaExports}'` });
            throw notExported(subpath, pkgDir, parent);
          }
          const base = pkgDir + specifier.slice(pkgName.length);
          const found = tryFile(base) || tryDirectory(base);
          if (found) return realpath(found);
          if (missing === `package '${pkgName}'`) { // Node's import() stops at the first one
            missing = subpath !== '.' ? `module '${base}'`
              : `package '${normalize(pkgDir + '/' + (typeof pkg.main === 'string' && pkg.main ? pkg.main : 'index.js'))}'`;
          }
        } else if (LINKS_OUT.has(pkgDir) || LINKS_OUT.has(dir + '/node_modules')) {
          throw linkedOut(specifier, LINKS_OUT.has(pkgDir) ? pkgDir : dir + '/node_modules', parent, esm);
        }
      }
      if (dir.length <= CONFIG.root.length || dir === '/') break;
    }
    throw notFound(specifier, parent, esm, { missing });
  }

  // A module that cannot be had: a BuildError saying so at build time ("<file>: <message>"; prepare()
  // adds the line), which also holds the error Node's require() or import() would throw at run time
  // (`code`, `runtimeMessage`, `Ctor`): such a require throws that when it runs, as in Node. An
  // import() of it (from either kind of module) rejects with `esmMessage` when there is one: Node's
  // ESM loader names the importing file (`Cannot find module '/var/task/x.mjs' imported from
  // /var/task/index.mjs`), and its code is ERR_MODULE_NOT_FOUND where require()'s is MODULE_NOT_FOUND.
  function failure(parent, message, code, runtimeMessage, Ctor = Error, esmMessage = undefined) {
    const err = new BuildError(`${rel(parent)}: ${message}`);
    Object.assign(err, { code, runtimeMessage, Ctor, more: '', esmMessage });
    return err;
  }
  const notFoundCode = (esm) => (esm ? 'ERR_MODULE_NOT_FOUND' : 'MODULE_NOT_FOUND');

  // Why a built-in is missing, by what it is for (the sandbox has no filesystem, network or processes;
  // the rest are simply not part of the Node layer).
  const MISSING_BECAUSE = [
    [/^fs(\/|$)/, 'they have no filesystem, so put data in a JSON file of the package and require() it ' +
      "(require('./data.json'), or import data from './data.json' with { type: 'json' }), which is read once at build time"],
    [/^(http|https|http2|net|tls|dgram|dns)(\/|$)/, 'they cannot make network calls'],
    [/^(child_process|cluster|worker_threads)$/, 'they cannot start processes or threads'],
  ];
  function unsupported(specifier, parent, esm) {
    const name = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
    const found = MISSING_BECAUSE.find(([pattern]) => pattern.test(name));
    const why = `a Node.js built-in that edge functions do not have${found ? `: ${found[1]}` : ''}`;
    const err = failure(parent, `module '${specifier}' is ${why}`, notFoundCode(esm),
      `Cannot find module '${specifier}': it is ${why}`, Error, `Cannot find module '${specifier}' imported from ${parent}: it is ${why}`);
    err.more = `. Available built-ins: ${[...new Set([...SUPPORTED, ...CONFIG.onDemand])].sort().join(', ')}`;
    return err;
  }
  // At request time a module is there when the build prepared it; one it did not find is missing
  // for certain only where it listed every file (`covered`).
  const FOUND_AT_BUILD = 'edge functions have no filesystem when they run: a module is there only if the build ' +
    "found it, from a literal name in require() or import, or a name with a literal directory (require('./locale/' + " +
    "name), import(`./locales/${lang}.json`)), whose module files there the build keeps";
  // `base`: the file a relative name stands for; `missing`: what Node's import() says it cannot find
  // ("module '/var/task/x.mjs'", "package 'x'", the first package directory's file)
  function notFound(specifier, parent, esm, { base, missing = `module '${specifier}'` } = {}) {
    let hint = ' (bundle it into node_modules/ of the function, as for a Lambda deployment package)';
    if (/^(\.|\/)/.test(specifier) || /^\w+ '\//.test(missing)) { // a file of the function's, or of a package in it
      hint = " (no such file in the function's package)";
    }
    if (!internal.initializing && !(base !== undefined && covered(base))) hint = ` (${FOUND_AT_BUILD})`;
    const err = failure(parent, `cannot find module '${specifier}'${hint}`, notFoundCode(esm),
      `Cannot find module '${specifier}'${hint}`, Error, `Cannot find ${missing} imported from ${parent}${hint}`);
    err.plain = true; // require.resolve() says Node's message alone
    return err;
  }
  // `node:x` where Node has no built-in x: ERR_UNKNOWN_BUILTIN_MODULE for require() and import(), as
  // in Node; require.resolve() says MODULE_NOT_FOUND (`plain`), as Node's does
  function unknownBuiltin(specifier, parent) {
    const err = failure(parent, `'${specifier}' is not a Node.js built-in module (there is no such module)`,
      'ERR_UNKNOWN_BUILTIN_MODULE', `No such built-in module: ${specifier}`);
    err.plain = true;
    return err;
  }
  // A file of the package the build did not keep as a module, named when the function runs.
  function notKept(specifier, target, parent, esm) {
    const why = `${rel(target)} is in the function's package, but the build did not keep it: ${FOUND_AT_BUILD}, ` +
      `up to ${CONFIG.computed.files} a name`;
    return failure(parent, `cannot find module '${specifier}': ${why}`, notFoundCode(esm),
      `Cannot find module '${specifier}': ${why}`, Error, `Cannot find module '${target}' imported from ${parent}: ${why}`);
  }

  // node_modules/x (or node_modules itself) links out of the package: npm link, a workspace's hoisted
  // dependencies. Lambda would not have it either; say so instead of "bundle it".
  function linkedOut(specifier, link, parent, esm) {
    const why = `${rel(link)} is a symbolic link the build cannot follow (it leads out of the function's ` +
      'directory, or nowhere): install the package in the function\'s own node_modules, or deploy a .zip of ' +
      'the function made with its dependencies (zip -r follows links)';
    return failure(parent, `cannot find module '${specifier}': ${why}`, notFoundCode(esm),
      `Cannot find module '${specifier}': ${why}`, Error, `Cannot find module '${specifier}' imported from ${parent}: ${why}`);
  }

  function notExported(subpath, pkgDir, parent) {
    const what = subpath === '.' ? 'No "exports" main defined in' : `Package subpath '${subpath}' is not defined by "exports" in`;
    return failure(parent, `${what} ${rel(pkgDir + '/package.json')}`, 'ERR_PACKAGE_PATH_NOT_EXPORTED', `${what} ${pkgDir}/package.json`,
      Error, `${what} ${pkgDir}/package.json imported from ${parent}`);
  }

  // The AWS SDK's clients and what exists only to serve them (v2's aws-sdk; v3's client-*, lib-* such as
  // lib-dynamodb and lib-storage, the credential providers, nested-clients) are refused wherever they
  // are required, installed or not (Lambda's nodejs runtimes provide v3, so functions often do not
  // bundle it): every one of them loads here now that os is there, and fails only when a call looks for
  // credentials (child_process) or the network. A top-level require() of one fails the build, naming
  // it; a guarded one throws when it runs, as for any missing module. The SDK's offline utilities
  // (@aws-sdk/cloudfront-signer, @aws-sdk/util-dynamodb, @smithy/* that they use) load as any package.
  const AWS_SDK_CLIENT = /^(?:aws-sdk|@aws-sdk\/(?:client-.+|lib-.+|credential-provider.*|nested-clients))$/;
  const AWS_SDK_WHY = 'the AWS SDK cannot work in edge functions, which make no network calls (move the call to ' +
    'the origin, or put the data in the package)';
  function awsSdk(specifier, parent, esm) {
    return failure(parent, `cannot find module '${specifier}': ${AWS_SDK_WHY}`, notFoundCode(esm),
      `Cannot find module '${specifier}': ${AWS_SDK_WHY}`, Error, `Cannot find package '${specifier}' imported from ${parent}: ${AWS_SDK_WHY}`);
  }

  // A module missing deep inside the AWS SDK (a package of it that is not refused above wanting
  // child_process, …): the SDK package the function required is what cannot work here, not that file.
  function awsSdkPackage(stack) {
    let sdk = null;
    for (const filename of stack) {
      const m = /\/node_modules\/(aws-sdk|@aws-sdk\/[^/]+)\//.exec(filename);
      if (m) sdk = m[1]; // the outermost: the package the function itself required
    }
    return sdk;
  }

  // The error a require() / import() (`esm`) that could not be resolved at build time throws when it runs.
  function runtimeError(failed, parent, esm = false) {
    const stack = [];
    // ends with the runtime's module (/var/runtime/index.mjs), which required the handler, as Lambda's does
    for (let m = parent; m; m = m.parent) stack.push(m.filename);
    const code = esm && failed.code === 'MODULE_NOT_FOUND' ? 'ERR_MODULE_NOT_FOUND' : failed.code;
    const text = esm && failed.esmMessage !== undefined ? failed.esmMessage : failed.runtimeMessage;
    const notFound = code === 'MODULE_NOT_FOUND';
    const sdk = awsSdkPackage(stack);
    const first = sdk === null ? text : text.replace(/^(Cannot find (?:module|package) '[^']*'(?: imported from \S+)?)[^]*$/,
      `$1 inside ${sdk}: ${AWS_SDK_WHY}`);
    const message = notFound && stack.length ? `${first}\nRequire stack:\n- ${stack.join('\n- ')}` : first;
    const err = internal.codeError(failed.Ctor, code, message);
    if (notFound) err.requireStack = stack;
    return err;
  }

  // ---- static scan ----
  // One pass over a module's source, outside comments, strings, regular expressions and the text of
  // template literals (their ${} parts are code), finding:
  // - the literal name of each require('x'), import('x'), `import … from 'x'`, `export … from 'x'` and
  //   `import 'x'`: { specifier, line, kind: 'require' | 'dynamic' | 'static' } (a template literal
  //   with no substitution is a literal);
  // - each require() or import() whose name is computed: { computed, text, line, kind }, where
  //   `computed` is { prefix, suffix } when the name starts with literal text (`./locale/${name}.json`,
  //   './locale/' + name + '.json', __dirname + '/locale/' + name: './locale/' and '.json'), else null;
  // - found.asserts: where the `assert` of an import attribute clause is (`from 'x' assert { … }`, and
  //   `assert:` in import()'s options when they have no `with`), which QuickJS does not parse and
  //   Node 20 does (prepare() makes it `with`);
  // - found.resolves: whether require.resolve is used.
  // A name assigned require (moment's `aliasedRequire = require`) is read as require.
  const REGEX_AFTER = '(,=:[!&|?{};+-*%<>~^';
  const REGEX_AFTER_WORDS = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void',
    'throw', 'instanceof', 'yield', 'await']);
  const DIRNAME = {}; // __dirname, as a part of a computed name
  const PLAIN = { '(': { type: '(', call: null, options: null }, '[': { type: '[', call: null, options: null },
    '{': { type: '{', call: null, options: null } };
  const wordStart = (c) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36 || c > 127;
  const wordPart = (c) => wordStart(c) || (c >= 48 && c <= 57);
  const isSpace = (c) => c === 32 || (c >= 9 && c <= 13) || (c > 127 && /\s/.test(String.fromCharCode(c)));
  function requireAliases(source) {
    const names = new Set();
    if (!/=\s*require\b/.test(source)) return names;
    for (const m of source.matchAll(/(?<![.\w$])([A-Za-z_$][\w$]*)\s*=\s*require\s*(?=[;,)\n])/g)) {
      if (m[1] !== 'require') names.add(m[1]);
    }
    return names;
  }
  function scan(source) {
    const found = [];
    found.asserts = [];
    found.resolves = false;
    const n = source.length;
    const aliases = requireAliases(source);
    let linePos = 0;
    let lineNo = 1;
    const lineOf = (pos) => { // positions asked for only grow
      for (;;) {
        const nl = source.indexOf('\n', linePos);
        if (nl < 0 || nl >= pos) break;
        lineNo++;
        linePos = nl + 1;
      }
      return lineNo;
    };
    const nextAt = (pos) => { // the next character that is not a space
      while (pos < n && isSpace(source.charCodeAt(pos))) pos++;
      return pos;
    };
    // open brackets: { type: '(' '[' '{' or '${', call (require/import's arguments, as tokens),
    // options (import()'s second argument), tpl (the template literal a '${' is in) }
    const stack = [];
    let last = ''; // the last significant character: 'x' after a name, a literal or a closing bracket
    let pending = null; // a require/import( whose '(' comes next
    // a token of the innermost open call's current argument: { s } a string, { t, subs } a template,
    // '+', { id: '__dirname' }, or 'x' (anything else)
    const token = (t) => {
      const top = stack[stack.length - 1];
      if (top !== undefined && top.call !== null) top.call.args[top.call.args.length - 1].push(t);
    };
    // the text of a template literal from `pos` (after its ` or a '}' closing a substitution)
    const template = (pos, tpl) => {
      const start = pos;
      while (pos < n) {
        const d = source[pos];
        if (d === '\\') { pos += 2; continue; }
        if (d === '`') {
          tpl.quasis[tpl.quasis.length - 1] += source.slice(start, pos);
          token({ t: tpl.quasis, subs: tpl.subs });
          last = 'x';
          return pos + 1;
        }
        if (d === '$' && source[pos + 1] === '{') {
          tpl.quasis[tpl.quasis.length - 1] += source.slice(start, pos);
          tpl.quasis.push('');
          stack.push({ type: '${', call: null, options: null, tpl, start: pos + 2 });
          last = '{';
          return pos + 2;
        }
        pos++;
      }
      return n;
    };
    const finish = (call, end) => {
      const first = source.slice(call.start, call.commas.length ? call.commas[0] : end).trim();
      const name = analyze(call.args[0]);
      if (name === null) return;
      if (typeof name === 'string') {
        if (name !== '') found.push({ specifier: name, line: call.line, kind: call.kind });
        return;
      }
      const text = `${call.callee}(${first.replace(/\s+/g, ' ').slice(0, 80)}${first.length > 80 ? '…' : ''})`;
      found.push({ computed: name.prefix === undefined ? null : name, text, line: call.line, kind: call.kind });
    };
    let i = 0;
    while (i < n) {
      const c = source[i];
      const code = source.charCodeAt(i);
      if (c === '/' && source[i + 1] === '/') { const end = source.indexOf('\n', i); i = end < 0 ? n : end; continue; }
      if (c === '/' && source[i + 1] === '*') { const end = source.indexOf('*/', i + 2); i = end < 0 ? n : end + 2; continue; }
      if (c === '"' || c === "'") {
        let j = i + 1;
        while (j < n && source[j] !== c && source[j] !== '\n') j += source[j] === '\\' ? 2 : 1;
        const top = stack[stack.length - 1];
        if (top !== undefined && (top.call !== null || top.options !== null)) { // (most strings are of no interest)
          const value = source.slice(i + 1, j);
          if (top.options !== null && value === 'with' && (last === '{' || last === ',')) top.options.hasWith = true;
          token(value.includes('\\') ? 'x' : { s: value });
        }
        i = j + 1; last = 'x'; continue;
      }
      if (c === '`') { i = template(i + 1, { quasis: [''], subs: [] }); continue; }
      if (c === '/' && (last === '' || REGEX_AFTER.includes(last))) {
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
        token('x');
        i++; last = 'x'; continue;
      }
      if (wordStart(code)) {
        let j = i + 1;
        while (j < n && wordPart(source.charCodeAt(j))) j++;
        const word = source.slice(i, j);
        const top = stack[stack.length - 1];
        if (i === 0 || source[i - 1] !== '.') {
          if (word === 'require' || aliases.has(word)) {
            const k = nextAt(j);
            if (source[k] === '(') pending = { at: k, kind: 'require', callee: word, line: lineOf(i) };
            else if (source[k] === '.' && /^\.\s*resolve\b/.test(source.slice(k, k + 20))) found.resolves = true;
          } else if (word === 'import' || word === 'from' || word === 'export') {
            const k = nextAt(j);
            if (word === 'import' && source[k] === '(') {
              pending = { at: k, kind: 'dynamic', callee: 'import', line: lineOf(i) };
            } else if (source[k] === '"' || source[k] === "'") {
              const m = /^(\s*(['"])([^'"\n]+)\2[ \t]*)(assert\s*\{)?/.exec(source.slice(j, j + 300));
              if (m) {
                const line = lineOf(i);
                found.push({ specifier: m[3], line, kind: 'static', attributes: clauseOf(source, j + m[1].length) });
                if (m[4]) found.asserts.push({ at: j + m[1].length, dynamic: false });
              }
            }
          }
        }
        if (top !== undefined && top.options !== null && (last === '{' || last === ',') && source[nextAt(j)] === ':') {
          if (word === 'assert') top.options.asserts.push({ at: i, dynamic: true });
          else if (word === 'with') top.options.hasWith = true;
        }
        token(word === '__dirname' ? { id: word } : 'x');
        last = REGEX_AFTER_WORDS.has(word) ? '(' : 'x';
        i = j;
        continue;
      }
      if (c === '(' || c === '[' || c === '{') {
        const top = stack[stack.length - 1];
        const options = c === '{' && top !== undefined && top.call !== null && top.call.kind === 'dynamic' &&
          top.call.args.length === 2 && top.call.args[1].length === 0 ? { asserts: [], hasWith: false } : null;
        token('x');
        let entry = PLAIN[c]; // one object for every bracket of no interest: the scan allocates little
        if (c === '(' && pending !== null && pending.at === i) {
          const call = { kind: pending.kind, callee: pending.callee, line: pending.line, start: i + 1, args: [[]], commas: [] };
          entry = { type: c, call, options: null };
        } else if (options !== null) {
          entry = { type: c, call: null, options };
        }
        pending = null;
        stack.push(entry);
        last = c; i++; continue;
      }
      if (c === ')' || c === ']' || c === '}') {
        // the bracket it closes (what an unclosed one left open above it goes with it)
        let k = stack.length - 1;
        const opener = c === ')' ? '(' : c === ']' ? '[' : '{';
        while (k >= 0 && stack[k].type !== opener && !(c === '}' && stack[k].type === '${')) k--;
        if (k >= 0) {
          const entry = stack[k];
          stack.length = k;
          if (entry.type === '${') {
            entry.tpl.subs.push(source.slice(entry.start, i).trim());
            i = template(i + 1, entry.tpl);
            continue;
          }
          if (entry.call !== null) finish(entry.call, i);
          if (entry.options !== null && !entry.options.hasWith) found.asserts.push(...entry.options.asserts);
        }
        last = c === '}' ? '}' : 'x'; i++; continue;
      }
      if (c === ',') {
        const top = stack[stack.length - 1];
        if (top !== undefined && top.call !== null) { top.call.args.push([]); top.call.commas.push(i); }
        last = c; i++; continue;
      }
      if (c === '+') {
        const twice = source[i + 1] === '+' || source[i + 1] === '=';
        token(twice ? 'x' : '+');
        last = '+'; i += twice ? 2 : 1; continue;
      }
      if (!isSpace(code)) { token('x'); last = c; }
      i++;
    }
    return found;
  }
  // The attributes of a static import whose specifier ends at `at`: {} when it has no `with { … }`
  // (or Node 20's `assert { … }`, on the same line), its keys and string values, or null when the
  // clause is more than keys and quoted strings (its import is then checked when it is linked).
  function clauseOf(source, at) {
    const m = /^(\s*)(with|assert)\s*\{([^{}]*)\}/.exec(source.slice(at, at + 500));
    if (m === null || (m[2] === 'assert' && m[1].includes('\n'))) return {};
    const attributes = {};
    for (const entry of m[3].split(',')) {
      if (entry.trim() === '') continue;
      const e = /^\s*(?:([A-Za-z_$][\w$]*)|'([^'\\]*)'|"([^"\\]*)")\s*:\s*(?:'([^'\\\n]*)'|"([^"\\\n]*)")\s*$/.exec(entry);
      if (e === null) return null;
      attributes[e[1] ?? e[2] ?? e[3]] = e[4] ?? e[5];
    }
    return attributes;
  }

  // A require()/import() argument's tokens (scan()) as a name: a string when it is one literal, else
  // { prefix, suffix } when it starts with literal text (the literal text it ends with: the suffix), or {}
  // when it does not; null when there is no argument.
  function analyze(tokens) {
    if (tokens.length === 0) return null;
    const parts = []; // literal text, DIRNAME, or null for a computed part
    let piece = [];
    const flush = () => {
      const t = piece.length === 1 ? piece[0] : null;
      if (t !== null && t.s !== undefined) parts.push(t.s);
      else if (t !== null && t.t !== undefined) {
        t.t.forEach((q, k) => {
          if (k > 0) parts.push(t.subs[k - 1] === '__dirname' ? DIRNAME : null);
          parts.push(q);
        });
      } else if (t !== null && t.id === '__dirname') parts.push(DIRNAME);
      else parts.push(null);
      piece = [];
    };
    for (const t of tokens) {
      if (t === '+') flush();
      else piece.push(t);
    }
    flush();
    const merged = [];
    for (const p of parts) {
      if (p === '') continue;
      if (typeof p === 'string' && typeof merged[merged.length - 1] === 'string') merged[merged.length - 1] += p;
      else merged.push(p);
    }
    let k = 0;
    let dir = false;
    if (merged[0] === DIRNAME) { dir = true; k = 1; }
    if (merged.slice(k).includes(DIRNAME)) return {};
    const rest = merged.slice(k);
    if (!rest.includes(null)) { // all literal
      const text = rest.join('');
      return dir ? (text.startsWith('/') ? '.' + text : {}) : text;
    }
    let prefix = typeof rest[0] === 'string' ? rest[0] : '';
    const suffix = rest.length > 1 && typeof rest[rest.length - 1] === 'string' ? rest[rest.length - 1] : '';
    if (dir) {
      if (!prefix.startsWith('/')) return {};
      prefix = '.' + prefix;
    }
    return prefix === '' ? {} : { prefix, suffix };
  }

  // ---- CommonJS ----
  const wrapperHead = '(function (exports, require, module, __filename, __dirname) { ';
  const wrapperTail = '\n})';

  // `lazy`: a CommonJS file is compiled when it is first required, not now (keepComputed's files: a
  // package's locales, which a function may never load, cost their source text, not their bytecode)
  function prepare(filename, lazy = false) {
    if (formats[filename] !== undefined) return;
    if (filename.endsWith('.node')) { // a native addon: nothing to compile; its require() throws (load())
      formats[filename] = 'addon';
      warn(`${rel(filename)}: a native addon (.node), which edge functions cannot load: ${ADDON_WHY}; require() of it ` +
        'throws ERR_DLOPEN_FAILED if it runs');
      return;
    }
    const format = formatOf(filename);
    formats[filename] = format;
    try {
      prepareFile(filename, format, lazy);
    } catch (err) { // not kept: a module a computed name could load is left out when it fails (keepComputed)
      for (const table of [formats, resolved, esmRequires, jsonText, esmSources, esmShift, compiled, lazySources]) {
        delete table[filename];
      }
      throw err;
    }
  }
  function prepareFile(filename, format, lazy) {
    let source = read(filename);
    if (source === null) throw new BuildError(`cannot read ${rel(filename)}`);
    if (format === 'json') { jsonText[filename] = source; return; }
    if (INTL.test(source)) intlWarning(filename, source);
    const table = resolved[filename] = Object.create(null);
    // an ES module's require()s (through createRequire) resolve as require() does, apart from its imports
    const requires = format === 'esm' ? (esmRequires[filename] = Object.create(null)) : table;
    const found = scan(source);
    if (found.resolves) usesResolve = true;
    // Node 20's `assert` for import attributes, as `with` and two spaces: lines and columns stay
    const asserts = found.asserts.filter((a) => a.dynamic || format === 'esm');
    if (asserts.length) {
      const parts = [];
      let at = 0;
      for (const { at: pos } of asserts.sort((a, b) => a.at - b.at)) {
        parts.push(source.slice(at, pos), 'with  ');
        at = pos + 'assert'.length;
      }
      source = parts.join('') + source.slice(at);
    }
    const computed = [];
    for (const use of found) {
      const { specifier, line, kind } = use;
      if (specifier === undefined) { computed.push(use); continue; }
      const into = kind === 'require' ? requires : table;
      if (kind === 'static' && format !== 'esm') continue; // no `from 'x'` in CommonJS
      if (into[specifier] !== undefined) {
        if (kind === 'static') checkAttributes(use, into[specifier], filename);
        continue;
      }
      let target;
      try {
        target = resolve(specifier, filename, format === 'esm' && kind !== 'require');
      } catch (err) {
        if (!(err instanceof BuildError)) throw err;
        err.message = err.message.replace(rel(filename) + ':', `${rel(filename)}:${line}:`);
        if (kind === 'static' || err.runtimeMessage === undefined) {
          err.message += err.more || '';
          throw err;
        }
        into[specifier] = err;
        const what = kind === 'dynamic' ? `import('${specifier}') there rejects` : `require('${specifier}') there throws`;
        warn(`${err.message}; ${what} (${err.code}) if it runs${err.more}`);
        continue;
      }
      into[specifier] = target;
      if (!target.startsWith('node:')) prepare(target, lazy);
      else builtinsUsed.add(target.slice(5));
      if (kind === 'static') checkAttributes(use, target, filename);
    }
    if (format === 'cjs') {
      const body = source.startsWith('#!') ? '//' + source : source;
      try {
        if (lazy) { // parsed now, for its syntax errors
          native.evalScript(wrapperHead + body + wrapperTail, filename, true);
          lazySources[filename] = native.utf8Encode(wrapperHead + body + wrapperTail); // a byte a character, mostly
        } else {
          compiled[filename] = native.evalScript(wrapperHead + body + wrapperTail, filename);
        }
      } catch (err) {
        throw restack(nodeSyntaxError(err, wrapperHead + body, true), wrapperHead.length);
      }
    } else {
      const meta = importMeta(filename);
      esmShift[filename] = meta.length;
      esmSources[filename] = meta + (source.startsWith('#!') ? '//' + source : source);
    }
    for (const use of computed) keepComputed(filename, use);
  }

  // A static import's attributes checked at build time, as Node checks them when it links the module:
  // a build error naming the file, line and import, with Node's error and what to write instead
  function checkAttributes(use, target, filename) {
    if (typeof target !== 'string' || use.attributes === null) return;
    const bad = attributesError(target, use.attributes, true);
    if (bad === null) return;
    const clause = Object.keys(use.attributes).length === 0 ? ''
      : ` with { ${Object.entries(use.attributes).map(([k, v]) => `${k}: '${v}'`).join(', ')} }`;
    throw new BuildError(`${rel(filename)}:${use.line}: import '${use.specifier}'${clause}: TypeError [${bad.code}]: ` +
      `${bad.message} (as in Node); ${bad.fix}`);
  }

  // ---- computed names ----
  // require()/import() of a name made at run time, as bundlers do: when it starts with a literal
  // directory (`./locales/${lang}.json`, './locale/' + name, 'pkg/dir/' + name), the module files
  // there it could name (the literal part of the file name and the suffix, if any, matching) are
  // prepared, so they load in requests: up to CONFIG.computed's files and bytes a name and bytes in
  // all, with a warning naming what was left out. One in the function's own files with no literal
  // directory is a warning, unless it ran while the function loaded (where it finds the files).
  const MODULE_FILE = /\.(?:js|json|mjs|cjs)$/;
  let computedBytes = 0;
  const expanded = new Map(); // directory -> the computed names expanded there (`${name}\0${suffix}`)
  const unfollowed = []; // { at: 'file:line', text }: own computed names with no literal directory
  const ranAtBuild = new Set(); // 'file:line' of the computed require()s that ran while the function loaded
  function keepComputed(filename, use) {
    const where = `${rel(filename)}:${use.line}`;
    const own = !rel(filename).split('/').includes('node_modules');
    const call = use.kind === 'dynamic' ? 'import() there rejects with ERR_MODULE_NOT_FOUND'
      : `${use.text.slice(0, use.text.indexOf('('))}() there throws MODULE_NOT_FOUND`;
    const place = use.computed === null ? null : computedPlace(use.computed, filename);
    const files = place === null ? null : packageFiles();
    if (files === null) {
      if (own) {
        unfollowed.push({ at: `${filename}:${use.line}`, text: `${where}: ${use.text} computes its module's name with ` +
          "no literal directory at its start (such as './locales/' or 'package/dir/'), so the build cannot tell which " +
          `files it loads: in a request it finds only built-ins and the modules the build found elsewhere, and ` +
          `${call} for others. Name the module literally, or start the name with its directory` });
      }
      return;
    }
    const { dir, name, suffix } = place;
    const key = `${name}\0${suffix}`;
    if (!expanded.has(dir)) expanded.set(dir, new Set());
    if (expanded.get(dir).has(key)) return;
    expanded.get(dir).add(key);
    const matching = [];
    filesUnder(files, dir, (k, tail) => {
      if (tail.length > name.length + suffix.length && tail.startsWith(name) && tail.endsWith(suffix) &&
          MODULE_FILE.test(tail) && !tail.split('/').some((part) => part.startsWith('.'))) {
        matching.push(k);
      }
    });
    const shownDir = dir === CONFIG.root ? './' : `${rel(dir)}/`;
    if (matching.length === 0) {
      if (own) {
        warn(`${where}: ${use.text} can load no module file of the package (none in ${shownDir} matches ` +
          `'${name}*${suffix}'): ${call} when it runs`);
      }
      return;
    }
    const cap = CONFIG.computed;
    let count = 0;
    let bytes = 0;
    const leftOut = [];
    const failed = [];
    for (const k of matching) {
      const path = files.get(k);
      if (formats[path] !== undefined) { count++; continue; }
      const size = files.size(k);
      if (count >= cap.files || bytes + size > cap.bytes || computedBytes + size > cap.totalBytes) {
        leftOut.push(path);
        continue;
      }
      try {
        prepare(path, true);
      } catch (err) {
        failed.push(`${rel(path)} (${String(err && err.message).split('\n')[0]})`);
        continue;
      }
      count++;
      bytes += size;
      computedBytes += size;
    }
    const some = (list) => list.slice(0, 5).join(', ') + (list.length > 5 ? ` and ${list.length - 5} more` : '');
    if (leftOut.length) {
      warn(`${where}: ${use.text} can load ${matching.length} module files in ${shownDir}; the build kept ${count} ` +
        `(up to ${cap.files} files and ${cap.bytes / 1048576} MiB a computed name, ${cap.totalBytes / 1048576} MiB ` +
        `in all) and left out ${some(leftOut.map(rel))}, for which ${call} in a request: name ` +
        'the ones the function needs literally');
    }
    if (failed.length) {
      warn(`${where}: ${use.text}: the build left out ${some(failed)}, which could not be loaded`);
    }
  }
  // visit(index, path from dir) for each file under dir, those in a node_modules there apart (skipped whole)
  function filesUnder(files, dir, visit) {
    const [from, to] = files.range(dir);
    for (let k = from; k < to; k++) {
      const tail = files.get(k).slice(dir.length + 1);
      const inside = tail.startsWith('node_modules/') ? 'node_modules'
        : tail.includes('/node_modules/') ? tail.slice(0, tail.indexOf('/node_modules/') + '/node_modules'.length) : null;
      if (inside !== null) {
        k = files.range(`${dir}/${inside}`)[1] - 1; // past its last file
        continue;
      }
      visit(k, tail);
    }
  }
  // Where a computed name's files are: { dir, name (the file name's literal start), suffix } or null
  function computedPlace({ prefix, suffix }, filename) {
    let full;
    if (prefix.startsWith('/')) {
      full = prefix;
    } else if (prefix.startsWith('./') || prefix.startsWith('../')) {
      full = dirname(filename) + '/' + prefix;
    } else {
      const parts = prefix.split('/');
      const scoped = prefix.startsWith('@');
      if (/^[.#]|^node:/.test(prefix) || parts.length < (scoped ? 3 : 2)) return null; // no directory in a package
      const pkgName = parts.slice(0, scoped ? 2 : 1).join('/');
      let pkgDir = null;
      for (let dir = dirname(filename); pkgDir === null; dir = dirname(dir)) {
        if (!dir.endsWith('/node_modules') && stat(`${dir}/node_modules/${pkgName}`) === 2) pkgDir = `${dir}/node_modules/${pkgName}`;
        if (dir.length <= CONFIG.root.length || dir === '/') break;
      }
      if (pkgDir === null) return null;
      full = pkgDir + prefix.slice(pkgName.length);
    }
    const cut = full.lastIndexOf('/');
    const dir = realpath(normalize(full.slice(0, cut)));
    if (dir !== CONFIG.root && !dir.startsWith(CONFIG.root + '/')) return null;
    return { dir, name: full.slice(cut + 1), suffix };
  }

  // The end of the build: the own computed names that never ran, and the files listed for request time.
  const MAX_KEPT_FILES = 10000;
  let usesResolve = false; // a module the build loaded uses require.resolve
  function keepListing() {
    for (const { at, text } of unfollowed) if (!ranAtBuild.has(at)) warn(text);
    const files = packageFiles();
    if (files === null) return;
    const dirs = [...expanded.keys(), CONFIG.root];
    if (usesResolve) { // the packages it loaded and the function's dependencies, for require.resolve() of any of their files
      const packageDirs = new Set();
      for (const file of Object.keys(formats)) {
        const m = /^(.*\/node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(file);
        if (m !== null) packageDirs.add(m[1]);
      }
      let declared = {};
      try {
        declared = JSON.parse(read(CONFIG.root + '/package.json') || '{}') || {};
      } catch {}
      for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies']) {
        for (const name of Object.keys(Object(declared[field]))) {
          const dir = realpath(`${CONFIG.root}/node_modules/${name}`);
          if (stat(dir) === 2) packageDirs.add(dir);
        }
      }
      for (const dir of [...packageDirs].sort()) {
        try {
          packageData(dir);
        } catch {}
        dirs.push(dir);
      }
    }
    const keep = new Set();
    for (const dir of dirs) {
      const add = [];
      filesUnder(files, dir, (k, tail) => {
        const path = `${dir}/${tail}`;
        if (!keep.has(path)) add.push(path);
      });
      if (keep.size + add.length > MAX_KEPT_FILES) continue;
      for (const path of add) keep.add(path);
      if (CONFIG.listedAll) coverage.push(dir);
    }
    const paths = [...keep].sort();
    const text = paths.join('\n');
    const starts = new Uint32Array(paths.length + 1);
    for (let k = 0, at = 0; k <= paths.length; k++) {
      starts[k] = at;
      if (k < paths.length) at += paths[k].length + 1;
    }
    kept = listing(paths.length, (k) => text.slice(starts[k], starts[k + 1] - 1));
    buildFiles = null;
    packageObjects.clear();
  }
  (internal.warmups || (internal.warmups = [])).push(keepListing);

  // An ES module is named by its file URL, as in Node: the engine names the module's stack frames
  // after it (`at handler (file:///var/task/index.mjs:2:9)`, where a CommonJS file's read
  // `(/var/task/index.js:2:9)`), and it is import.meta.url. The hooks below take it back to the path.
  function fileURL(filename) {
    return 'file://' + filename.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/|^[\]]/g, (c) => encodeURIComponent(c));
  }
  function fromFileURL(name) {
    if (!name.startsWith('file://')) return name;
    try {
      return decodeURIComponent(name.slice(7));
    } catch {
      return name.slice(7);
    }
  }

  // import.meta as Node fills it (url, filename, dirname), set at the start of the module's first line
  // so the other lines keep their numbers (unwrapColumns gives that line's columns back).
  function importMeta(filename) {
    const url = fileURL(filename);
    return `import.meta.url=${JSON.stringify(url)};import.meta.filename=${JSON.stringify(filename)};` +
      `import.meta.dirname=${JSON.stringify(dirname(filename))};`;
  }

  // Node's Module.createRequire(filename): a require() as the module at `filename` (a file URL or an
  // absolute path; a trailing '/' names a directory) would have.
  function createRequire(filename) {
    let path = filename;
    if (path !== null && typeof path === 'object' && typeof path.href === 'string') path = path.href;
    if (typeof path === 'string' && path.startsWith('file:')) {
      const m = /^file:\/\/(?:localhost)?(\/[^?#]*)$/.exec(path);
      path = m ? decodeURIComponent(m[1]) : null;
    }
    if (typeof path !== 'string' || !path.startsWith('/')) {
      const shown = typeof filename === 'string' ? `'${filename}'` : String(filename);
      throw internal.codeError(TypeError, 'ERR_INVALID_ARG_VALUE', "The argument 'filename' must be a file URL " +
        `object, file URL string, or absolute path string. Received ${shown}`);
    }
    const file = path.endsWith('/') ? path + 'noop.js' : normalize(path);
    const module = new Module(file, undefined);
    Object.defineProperty(module, 'requireTable', { value: esmRequires[file] || resolved[file] });
    return makeRequire(module);
  }

  const builtinsUsed = new Set();
  // A package in node_modules whose bundled files use Intl (luxon, dayjs/plugin/timezone): the engine has
  // none, so what reaches it throws `ReferenceError: Intl is not defined` at request time. One warning
  // per package, at the first file and line the build loads that names Intl other than in `typeof Intl`
  // or as a quoted name (terser lists "Intl" among DOM names) (edge/js/build.py warns about the
  // function's own sources). A test of the source as it is read.
  const INTL = /\bIntl\b/;
  const intlWarned = new Set();
  function intlWarning(filename, source) {
    const at = filename.lastIndexOf('/node_modules/');
    if (at < 0) return;
    const parts = filename.slice(at + '/node_modules/'.length).split('/');
    const pkg = parts[0].startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
    if (intlWarned.has(pkg)) return;
    const use = /(?<!typeof\s*)(?<!['"`])\bIntl\b(?!['"`])(?:\s*\.\s*([A-Za-z]+))?/;
    const lines = source.split('\n');
    const line = lines.findIndex((l) => use.test(l) && !/^\s*(\/\/|\/\*|\*)/.test(l));
    if (line < 0) return;
    intlWarned.add(pkg);
    const member = use.exec(lines[line])[1];
    warn(`${rel(filename)}:${line + 1}: package '${pkg}' uses Intl${member ? ` (Intl.${member})` : ''}, but the engine has ` +
      "no ICU: Intl is absent, so the package's code that reaches it throws ReferenceError: Intl is not defined when " +
      'it runs (formatting dates or numbers for a locale, converting time zones), or, where the package checks for ' +
      'Intl first, answers without it (i18next: English plural rules for every language). Format explicitly, or use ' +
      'a package that carries its own locale and time-zone data');
  }

  const ADDON_WHY = 'the sandbox runs JavaScript only, and a compiled addon has no machine code to run on here ' +
    "(use the package's pure-JavaScript or WebAssembly build, if it has one)";

  // Build warnings go to stderr with this prefix; edge/js/build.py reports them.
  function warn(text) { native.log(2, 'edge-build-warning: ' + text.replace(/\n/g, ' ')); }

  // Columns on a CommonJS file's first line count the wrapper put before it: give the file's own
  // (in a failed build's error, and in every stack util.inspect and the error logs show). QuickJS
  // counts a first line's columns from 0 in most stack frames (a `new X` is one further), from 1 in
  // syntax errors.
  function unwrapColumns(text, shift = wrapperHead.length - 1) {
    return text.replace(/(file:\/\/)?(\/[^\s:()]+):1:(\d+)/g, (all, url, file, col) => {
      const path = url ? fromFileURL(url + file) : file;
      const by = formats[path] === 'cjs' ? (url ? undefined : shift) : esmShift[path];
      return by !== undefined && col > by ? `${url || ''}${file}:1:${col - by}` : all;
    });
  }
  internal.unwrapColumns = (text) => unwrapColumns(text);
  function restack(err, shift) {
    if (err instanceof Error && typeof err.stack === 'string') err.stack = unwrapColumns(err.stack, shift);
    return err;
  }

  // A `}` with no `{` of its own in a CommonJS file closes the wrapper's function: QuickJS then stops
  // at the next token (or at the wrapper's tail), V8 (which compiles the body alone) at the `}`. The
  // `}` just before the error's place (whitespace and comments between) is that one when the
  // wrapper closed there compiles (parsed only, nothing run). Its offset in `text`, else -1.
  function wrapperClosed(text, line, col, filename) {
    const lines = text.split('\n');
    let i = line > lines.length ? text.length
      : lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + col - 1;
    for (i -= 1; ; i -= 1) {
      while (i >= 0 && /\s/.test(text[i])) i--;
      if (text[i] === '/' && text[i - 1] === '*') {
        i = text.lastIndexOf('/*', i - 2);
        if (i < 0) return -1;
        continue;
      }
      if (text[i] !== '}') { // a `// comment` after it on its line, or lines of them
        const start = text.lastIndexOf('\n', i) + 1;
        const m = /^(.*\})\s*\/\/.*$/.exec(text.slice(start, i + 1));
        if (m === null && /^\s*\/\//.test(text.slice(start, i + 1))) {
          i = start - 1;
          continue;
        }
        if (m === null) return -1;
        i = start + m[1].length - 1;
      }
      break;
    }
    try {
      native.evalScript(text.slice(0, i + 1) + ')', filename, true);
      return i;
    } catch {
      return -1;
    }
  }

  // The parser's error has one frame, the place (`at /var/task/x.js:3:1`); one thrown by code has the
  // function's name first (`at parse (native)`) and is left alone.
  function firstFrame(err) {
    const frame = /^\s+at .*$/m.exec(String(err.stack));
    return frame === null ? '' : frame[0];
  }

  // An ES module's syntax error (the module that failed is named by its frame)
  function esmSyntaxError(err) {
    const frame = err instanceof SyntaxError && /^\s+at (file:\/\/\/[^\s]*?):\d+:\d+$/.exec(firstFrame(err));
    const text = frame ? esmSources[fromFileURL(frame[1])] : undefined;
    return text === undefined ? err : nodeSyntaxError(err, text, false);
  }

  // A syntax error placed and worded as Node's (V8's) where QuickJS's differs in a common, simple
  // case. `text` is what was compiled, in the error's coordinates (a CommonJS file with the
  // wrapper's head, whose tail `\n})` follows it; an ES module with import.meta's settings):
  // - the source ends too early (an unclosed block, function, object, array, call, template):
  //   QuickJS stops at the wrapper's tail (a line past the file), at a token past the end, or at a
  //   template's start; Node says `Unexpected end of input` where the file ends;
  // - `await` in a function that is not async, and an `import` statement, in CommonJS: QuickJS
  //   reads `await`/`import` as a name or a call and stops at the token after it; Node names them;
  // - messages that differ only in their wording (an unclosed string, comment or regexp, a token
  //   out of place).
  // Anything else is left as QuickJS reports it. Returns `err`.
  function nodeSyntaxError(err, text, commonjs) {
    if (!(err instanceof SyntaxError) || typeof err.stack !== 'string') return err;
    const frame = /^(\s+at )((?:file:\/\/)?\/[^\s]*?):(\d+):(\d+)$/.exec(firstFrame(err));
    if (frame === null) return err;
    const lines = text.split('\n');
    const line = Number(frame[3]);
    const col = Number(frame[4]);
    const lineText = line <= lines.length ? lines[line - 1] : '';
    const at = lineText[col - 1];
    const end = [lines.length, lines[lines.length - 1].length + 1];
    let place = null;
    let message = err.message;
    const stray = commonjs ? wrapperClosed(text, line, col, frame[2]) : -1;
    if (stray >= 0) {
      const upTo = text.slice(0, stray).split('\n');
      [place, message] = [[upTo.length, upTo[upTo.length - 1].length + 1], "Unexpected token '}'"];
    } else if (line > lines.length || (line === end[0] && col >= end[1]) ||
        (message === 'unexpected end of string' && (at === '`' || at === '}'))) {
      [place, message] = [end, 'Unexpected end of input'];
    } else if (message === 'unexpected end of string' || message === 'unexpected end of comment') {
      message = 'Invalid or unexpected token';
    } else if (message === 'unexpected end of regexp' || message === 'unexpected line terminator in regexp') {
      message = 'Invalid regular expression: missing /';
    } else if (message === "unexpected 'await' keyword") {
      message = 'Unexpected reserved word';
    } else if (/^unsupported keyword: \w+$/.test(message)) { // `export` in CommonJS
      message = `Unexpected token '${message.slice('unsupported keyword: '.length)}'`;
    } else if (/^unexpected token in expression: '.+'$/.test(message)) {
      message = 'Unexpected token' + message.slice('unexpected token in expression:'.length);
    } else if (commonjs) {
      const before = lineText.slice(0, col - 1);
      const awaited = /\bawait\s+$/.exec(before);
      const imported = /(?:^|[;{}])\s*import\s*$/.exec(before);
      if (awaited && message === "expecting ';'") {
        [place, message] = [[line, awaited.index + 1], 'await is only valid in async functions and the top level ' +
          'bodies of modules'];
      } else if (imported && /^[\w${*'"]/.test(lineText.slice(col - 1)) && /^Unexpected /.test(message)) {
        [place, message] = [[line, imported.index + imported[0].indexOf('import') + 1],
          'Cannot use import statement outside a module'];
      }
    }
    if (message === err.message && place === null) return err;
    const where = `${frame[1]}${frame[2]}:${(place || [line])[0]}:${(place || [line, col])[1]}`;
    const stack = err.stack.replace(frame[0], () => where);
    err.message = message;
    err.stack = stack.replace(/^SyntaxError: .*/, () => `SyntaxError: ${message}`);
    return err;
  }

  // Node's Module: its own properties in Node's order, `parent` (deprecated there) on the prototype
  const parents = new WeakMap();
  class Module {
    constructor(id, parent) {
      this.id = id;
      this.path = dirname(id);
      this.exports = {};
      this.filename = id;
      this.loaded = false;
      this.children = [];
      this.paths = nodeModulePaths(this.path);
      parents.set(this, parent);
    }
    get isPreloading() { return false; }
    get parent() { return parents.get(this); }
    set parent(value) { parents.set(this, value); }
    require(specifier) { return requireFrom(this, specifier); }
  }

  // Lambda's runtime (process.argv[1]), whose createRequire() requires a CommonJS handler: its parent
  const RUNTIME = new Module('/var/runtime/index.mjs', undefined);

  // Node's Module._nodeModulePaths: a node_modules in each directory up from `dir`, none inside one
  function nodeModulePaths(dir) {
    const paths = [];
    for (let d = dir; d !== '/' && d !== ''; d = dirname(d)) {
      if (!d.endsWith('/node_modules')) paths.push(d + '/node_modules');
    }
    paths.push('/node_modules');
    return paths;
  }

  function requireFrom(parent, specifier) {
    if (typeof specifier !== 'string') throw internal.argType('id', 'of type string', specifier);
    const table = parent.requireTable || resolved[parent.filename];
    let target = table && table[specifier];
    if (target instanceof Error) throw runtimeError(target, parent);
    if (target === undefined) target = resolveNow(specifier, parent, false);
    if (target.startsWith('node:')) return requireBuiltin(target);
    return load(target, parent);
  }

  // A name the build did not see (computed): resolved as Node would, with the files while the
  // function loads (the module is then prepared), else from what the build kept. The error is Node's.
  function resolveNow(specifier, parent, esm) {
    let target;
    try {
      target = resolve(specifier, parent.filename, esm);
      if (target.startsWith('node:')) {
        if (internal.initializing) builtinsUsed.add(target.slice(5));
        return target;
      }
      if (internal.initializing) {
        const site = callerSite();
        if (site !== null) ranAtBuild.add(site);
        prepare(target);
      } else if (formats[target] === undefined) {
        throw notKept(specifier, target, parent.filename, esm);
      }
    } catch (err) {
      if (err instanceof BuildError && err.runtimeMessage !== undefined) throw runtimeError(err, parent, esm);
      throw err;
    }
    return target;
  }
  // 'file:line' of the function's frame that called into the loader (build time only)
  function callerSite() {
    // the engine's own frames: a user's Error.prepareStackTrace (source-map-support) would remap them
    const prepare = Error.prepareStackTrace;
    Error.prepareStackTrace = undefined;
    let stack;
    try {
      stack = String(new Error().stack);
    } finally {
      Error.prepareStackTrace = prepare;
    }
    for (const line of stack.split('\n')) {
      const m = /((?:file:\/\/)?\/[^\s()]+):(\d+):\d+\)?\s*$/.exec(line);
      if (m !== null && fromFileURL(m[1]).startsWith(CONFIG.root + '/')) return `${fromFileURL(m[1])}:${m[2]}`;
    }
    return null;
  }

  // Node's require.resolve(request[, { paths }]) and require.resolve.paths(request)
  const GLOBAL_PATHS = ['/var/lang/lib/node']; // Node's for Lambda's /var/lang/bin/node, with no HOME or NODE_PATH
  function isBuiltinName(request) {
    const bare = request.startsWith('node:') ? request.slice(5) : request;
    return NODE_BUILTINS.has(bare) && (request.startsWith('node:') || !PREFIX_ONLY.has(bare));
  }
  function lookupPaths(request, module) {
    if (isBuiltinName(request)) return null;
    if (request[0] !== '.' || (request.length > 1 && request[1] !== '.' && request[1] !== '/')) {
      return [...(module.paths || []), ...GLOBAL_PATHS];
    }
    return [dirname(module.filename)];
  }
  function resolveRequest(module, request, options) {
    if (typeof request !== 'string') throw internal.argType('request', 'of type string', request);
    // a built-in's name is what Node gives back, whether edge functions have the module or not
    // (require.resolve('child_process') is 'child_process'; requiring it throws, saying why)
    if (isBuiltinName(request)) {
      const name = request.startsWith('node:') ? request.slice(5) : request;
      if (internal.initializing && SUPPORTED.has(name)) builtinsUsed.add(name);
      return request;
    }
    let froms = null;
    if (options !== null && typeof options === 'object' && options.paths !== undefined) {
      if (!Array.isArray(options.paths)) {
        const shown = requireBuiltin('util').inspect(options.paths);
        throw internal.codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The property 'options.paths' is invalid. Received ${shown}`);
      }
      froms = options.paths.map((p) => normalize(String(p).startsWith('/') ? String(p) : `${CONFIG.root}/${p}`));
    }
    const resolveFrom = (from) => {
      const table = module.requireTable || resolved[module.filename];
      const known = from === undefined && table ? table[request] : undefined;
      if (known !== undefined && !(known instanceof Error)) return known;
      if (known instanceof Error && !known.plain) throw known;
      const target = resolve(request, module.filename, false, from);
      if (internal.initializing && target.startsWith('node:')) builtinsUsed.add(target.slice(5));
      return target;
    };
    let target;
    try {
      if (froms === null) {
        target = resolveFrom(undefined);
      } else {
        for (const from of froms) {
          try {
            target = resolveFrom(from);
            break;
          } catch (err) {
            if (!(err instanceof BuildError) || !err.plain) throw err;
          }
        }
        if (target === undefined) throw notFound(request, module.filename, false);
      }
    } catch (err) {
      if (!(err instanceof BuildError) || err.runtimeMessage === undefined) throw err;
      if (!err.plain) throw runtimeError(err, module);
      const stack = [];
      for (let m = module; m; m = m.parent) stack.push(m.filename);
      const found = internal.codeError(Error, 'MODULE_NOT_FOUND', `Cannot find module '${request}'` +
        (stack.length ? `\nRequire stack:\n- ${stack.join('\n- ')}` : ''));
      found.requireStack = stack;
      throw found;
    }
    return target.startsWith('node:') ? request : target;
  }

  function load(filename, parent) {
    const cached = cache[filename];
    if (cached !== undefined) {
      if (parent && !parent.children.includes(cached)) parent.children.push(cached); // as Node's, once each
      return cached.exports;
    }
    const format = formats[filename];
    if (format === 'esm') return requireESM(filename, parent);
    if (format === 'addon') { // Node's dlopen failure: a plain Error with a code, which packages catch
      throw internal.codeError(Error, 'ERR_DLOPEN_FAILED', `${filename}: native addons (.node files) cannot be ` +
        `loaded in edge functions: ${ADDON_WHY}`);
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
      let wrapper = compiled[filename];
      if (wrapper === undefined) {
        wrapper = compiled[filename] = native.evalScript(native.utf8Decode(lazySources[filename]), filename);
        delete lazySources[filename];
      }
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

  // require() of an ES module, as Node 20.19+ does (the ESM-only releases of uuid, entities, ...): the
  // module is evaluated at once and require() gives what it exports as 'module.exports', else its
  // namespace, with `__esModule: true` added (a facade's namespace) when it has a default export, as
  // transpiled CommonJS reads it. A graph with a top-level await cannot be, as in Node, nor one in a
  // cycle: a module being required (its graph loading or running), being imported (a CommonJS file
  // it imports requires it back, as the module loads or as it runs) or importing such a module
  // throws ERR_REQUIRE_CYCLE_MODULE with Node's messages (evaluating it there trapped the engine).
  const esmRequired = Object.create(null); // filename -> what require() gave
  const esmRequiring = new Map(); // filename -> the module that requires it, while its graph loads and runs
  const CYCLE_ADVICE = ' A cycle involving require(esm) is not allowed to maintain invariants mandated by the ' +
    'ECMAScript specification. Try making at least part of the dependency in the graph lazily loaded.';
  function cycleError(message) {
    return internal.codeError(Error, 'ERR_REQUIRE_CYCLE_MODULE', message);
  }
  function requireESM(filename, parent) {
    if (filename in esmRequired) return esmRequired[filename];
    if (esmRequiring.has(filename)) {
      const first = esmRequiring.get(filename);
      throw cycleError(`Cannot require() ES Module ${filename} in a cycle.` + (first ? ` (from ${first.filename})` : ''));
    }
    const url = JSON.stringify(fileURL(filename));
    esmRequiring.set(filename, parent);
    let result;
    try {
      result = native.requireModule(`export * as ns from ${url};`, 'node:internal/require-esm');
    } finally {
      esmRequiring.delete(filename);
    }
    const [state, value, promise] = result;
    if (state === 3) { // in a cycle: the module itself is being loaded or run, or one it imports is
      const [, , importer, specifier] = result;
      if (importer === null) {
        throw cycleError(`Cannot require() ES Module ${filename} in a cycle.` +
          (parent ? ` (from ${parent.filename})` : '') + CYCLE_ADVICE);
      }
      throw cycleError(`Cannot import Module ${specifier} in a cycle. (from ${fromFileURL(importer)})`);
    }
    if (state === 2) {
      promise.then(undefined, () => {}); // thrown here, not an unhandled rejection
      throw value;
    }
    if (state === 0) {
      throw internal.codeError(Error, 'ERR_REQUIRE_ASYNC_MODULE',
        `require() of ${filename} from ${parent ? parent.filename : 'the handler'}: require() cannot be used on ` +
        'an ESM graph with top-level await. Use import() instead.');
    }
    const ns = value.ns;
    let exports = ns;
    if ('module.exports' in ns) {
      exports = ns['module.exports'];
    } else if ('default' in ns && !('__esModule' in ns)) {
      const facade = `export * from ${url}; export { default } from ${url}; export let __esModule = true;`;
      exports = native.requireModule(facade, 'node:internal/require-esm')[1];
    }
    return (esmRequired[filename] = exports);
  }

  function makeRequire(module) {
    const require = (specifier) => requireFrom(module, specifier);
    require.resolve = function resolve(request, options) { return resolveRequest(module, request, options); };
    require.resolve.paths = function paths(request) {
      if (typeof request !== 'string') throw internal.argType('request', 'of type string', request);
      return lookupPaths(request, module);
    };
    require.cache = cache;
    // Lambda's runtime starts from an ES module, so no CommonJS module is the main one: `if
    // (require.main === module) app.listen(3000)` (run locally, not in Lambda) does not run
    require.main = undefined;
    return require;
  }

  // ---- ES modules: QuickJS asks these hooks (engine/edge_js.c) ----
  function esmResolve(specifier, base, attributes) {
    if (base === '' || base === undefined) return specifier; // the entry, already absolute
    if (specifier.startsWith('file://') && formats[fromFileURL(specifier)] === 'esm') return specifier; // requireESM's
    if (base.startsWith('node:') || base.startsWith('cjs:')) base = CONFIG.root + '/index.js';
    base = fromFileURL(base);
    // what the build resolved (at run time there are no files to look at), else resolved now
    const known = resolved[base] && resolved[base][specifier];
    if (known instanceof Error) throw runtimeError(known, { filename: base, parent: null }, true);
    let target = known;
    if (target === undefined && internal.initializing) {
      target = resolve(specifier, base, true);
      const site = callerSite();
      if (site !== null) ranAtBuild.add(site);
    } else if (target === undefined) target = resolveNow(specifier, { filename: base, parent: null }, true);
    if (target.startsWith('node:')) {
      const bad = attributesError(target, attributes, false);
      if (bad !== null) throw internal.codeError(TypeError, bad.code, bad.message);
      builtinsUsed.add(target.slice(5));
      return target;
    }
    if (internal.initializing) prepare(target);
    const bad = attributesError(target, attributes, false);
    if (bad !== null) throw internal.codeError(TypeError, bad.code, bad.message);
    if (formats[target] === 'cjs' || formats[target] === 'json' || formats[target] === 'addon') return 'cjs:' + target;
    return fileURL(target);
  }

  // Node 20's validateAttributes (lib/internal/modules/esm/assert.js): a JSON module must be imported
  // `with { type: 'json' }`, any other (JavaScript, a built-in) without a type, and 'json' is the only
  // type there is. `target` is a filename or 'node:<name>', `attributes` the import's (undefined:
  // none). Keys other than `type` are refused for a static import (`unknownKeys`) and ignored for
  // import(), whose options V8 filters in Node 20. Returns { code, message, fix } or null.
  function attributesError(target, attributes, unknownKeys) {
    const given = attributes !== null && typeof attributes === 'object' ? attributes : {};
    if (unknownKeys) {
      const other = Object.keys(given).find((key) => key !== 'type');
      if (other !== undefined) {
        return { code: 'ERR_IMPORT_ATTRIBUTE_UNSUPPORTED', message: `Import attribute "${other}" with value ` +
          `"${given[other]}" is not supported`, fix: "the only import attribute Node has is type ('json')" };
      }
    }
    const builtin = target.startsWith('node:');
    const url = builtin ? target : fileURL(target);
    const valid = !builtin && formats[target] === 'json' ? 'json' : null; // null: no type, as for JavaScript
    const hasType = Object.prototype.hasOwnProperty.call(given, 'type');
    if (valid !== null && given.type === valid) return null;
    if (!hasType) {
      return valid === null ? null : { code: 'ERR_IMPORT_ASSERTION_TYPE_MISSING', message: `Module "${url}" needs ` +
        `an import attribute of type "${valid}"`, fix: `import a JSON module with { type: '${valid}' }` };
    }
    const what = builtin ? 'a built-in module' : 'a JavaScript module';
    if (given.type !== 'json') {
      return { code: 'ERR_IMPORT_ASSERTION_TYPE_UNSUPPORTED', message: `Import attribute type "${given.type}" is ` +
        'unsupported', fix: valid === null ? `drop it: this is ${what}` : "a JSON module's type is 'json'" };
    }
    return { code: 'ERR_IMPORT_ASSERTION_TYPE_FAILED', message: `Module "${url}" is not of type "${given.type}"`,
      fix: `drop { type: '${given.type}' }: this is ${what}` };
  }

  function namedExports(value) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return [];
    return Object.keys(value).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default');
  }

  function esmSource(name) {
    if (name.startsWith('node:')) {
      const exports = requireBuiltin(name);
      return moduleFacade(`__edge_loader.builtin(${JSON.stringify(name)})`, namedExports(exports), exports);
    }
    if (name.startsWith('cjs:')) {
      const filename = name.slice(4);
      const exports = load(filename, undefined);
      return moduleFacade(`__edge_loader.cjs(${JSON.stringify(filename)})`, namedExports(exports));
    }
    const source = esmSources[fromFileURL(name)];
    if (source === undefined) throw new Error(`Cannot find module '${name}'`);
    return source;
  }

  // A built-in's getters (`builtin`) are read leniently: one for a part the function was built
  // without (crypto's Cipheriv when no source names the ciphers) throws when read, and importing the
  // rest of the module (`import { createHash } from 'crypto'`) must not fail on it, as in Node.
  function moduleFacade(expr, names, builtin) {
    const lines = [`const m = ${expr};`, 'export default m;'];
    for (const n of names) {
      const descriptor = builtin && Object.getOwnPropertyDescriptor(builtin, n);
      lines.push(descriptor && descriptor.get ? `export const ${n} = __edge_loader.lenient(m, ${JSON.stringify(n)});`
        : `export const ${n} = m.${n};`);
    }
    return lines.join('\n');
  }

  globalThis.__edge_loader = {
    builtin: (name) => requireBuiltin(name),
    cjs: (filename) => load(filename, undefined),
    lenient: (m, name) => {
      try {
        return m[name];
      } catch {
        return undefined; // still thrown by m[name], for code that reaches it through the module object
      }
    },
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
      native.importModule(fileURL(entry)).then((ns) => { namespace = ns; }, (err) => { failure = err; });
      return { pending: () => namespace === undefined && failure === undefined, get: () => {
        if (failure !== undefined) throw restack(esmSyntaxError(failure));
        return namespace;
      } };
    }
    // required as Lambda's runtime requires it: through createRequire() in its ES module (its parent)
    let exports;
    try {
      exports = load(entry, RUNTIME);
    } catch (err) {
      throw restack(err);
    }
    return { pending: () => false, get: () => exports };
  }

  return { loadHandler, esmResolve, esmSource, BuildError, builtinsUsed, formats };
})();
