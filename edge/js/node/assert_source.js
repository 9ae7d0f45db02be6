// assert.ok(false)'s message quotes the call that failed, as Node's does (`The expression evaluated to
// a falsy value:\n\n  assert.ok(false)\n`). Node reads the caller's file and parses from the call
// site; here there are no files at run time, but the function's own code keeps its source text
// (Function.prototype.toString; the Node layer's is stripped) and QuickJS says where the calling
// function starts, so the call is found in the caller's source. QuickJS places a call at the last
// position it recorded before it (the callee, or somewhere in the arguments), so the call taken is
// the innermost one around that place whose callee is named as assert's functions are (ok, assert,
// strict, or .call/.apply of one), else the innermost one around it. A function starting with a
// bracket (`(v) => assert(v)`) is placed by QuickJS at the last name before it on its line, so a
// call on its first line is looked for between the function's start and that place. undefined
// where Node gives up too (code with no file: eval, new Function; a call with `await` in it and no
// `async` before it on its line, which Node's parser reads as a script) and where there is nothing
// to read (native callers).
defineBuiltin('internal/assert_source', function (exports, require, module, internal) {
  const CALL_NAMES = new Set(['ok', 'assert', 'strict', 'call', 'apply']);
  // names that are operators or statements, not operands: `if (`, `return (` begin no call
  const KEYWORDS = new Set(['if', 'for', 'while', 'switch', 'catch', 'with', 'function', 'return', 'typeof', 'void',
    'delete', 'await', 'yield', 'in', 'of', 'new', 'else', 'do', 'case', 'throw', 'instanceof', 'class', 'const',
    'let', 'var', 'export', 'import', 'extends']);
  const FORWARDERS = new Set([Function.prototype.call, Function.prototype.apply, Reflect.apply]);

  // The failing call's text, or undefined. `fn` is the assert function called (frames up to it skipped).
  function failingCall(fn) {
    const site = callerSite(fn);
    if (site === undefined) return undefined;
    const caller = site.getFunction();
    const file = site.getFileName();
    const line = site.getLineNumber();
    const column = site.getColumnNumber();
    if (typeof caller !== 'function' || typeof file !== 'string' || !/^(?:\/|file:)/.test(file) || line == null ||
        column == null) return undefined;
    let source;
    try {
      source = Function.prototype.toString.call(caller);
    } catch {
      return undefined;
    }
    if (/\{\s*\[native code\]\s*\}$/.test(source)) return undefined;
    const place = placeOf(source, caller.lineNumber, caller.columnNumber, line, column);
    if (place === undefined) return undefined;
    let found;
    try {
      found = findCall(source, place);
    } catch {
      return undefined; // text this reader cannot follow
    }
    if (found === undefined || found.awaits === 'outside async') return undefined;
    return layout(source, found, fileColumn(source, found.start, caller, file));
  }

  function callerSite(fn) {
    const saved = Error.prepareStackTrace;
    const holder = {};
    try {
      Error.prepareStackTrace = (_err, sites) => sites;
      Error.captureStackTrace(holder, fn);
      const sites = holder.stack;
      if (!Array.isArray(sites)) return undefined;
      // Function.prototype.call and apply have no frames (the engine leaves them out, as V8 does)
      return sites.find((site) => !FORWARDERS.has(site.getFunction()));
    } finally {
      Error.prepareStackTrace = saved;
    }
  }

  // Where (line, column) of its file is in a function's source, the function starting at (fnLine,
  // fnColumn): { from, to }, one offset, or a range on a function's first line when QuickJS's column
  // for the function is not its start (see above)
  function placeOf(source, fnLine, fnColumn, line, column) {
    if (typeof fnLine !== 'number' || typeof fnColumn !== 'number' || line < fnLine) return undefined;
    if (line === fnLine) {
      const to = column - fnColumn;
      if (to < 0) return undefined;
      if (/^[A-Za-z$_\u0080-\uffff]/.test(source)) return to < source.length ? { from: to, to } : undefined;
      const lineEnd = source.indexOf('\n');
      return { from: 0, to: Math.min(to, lineEnd < 0 ? source.length - 1 : lineEnd - 1) };
    }
    let at = 0;
    for (let l = fnLine; l < line; l++) {
      at = source.indexOf('\n', at) + 1;
      if (at === 0) return undefined;
    }
    at += column - 1;
    return at < source.length ? { from: at, to: at } : undefined;
  }

  // The column (from 0) in its file's line of a function's source offset: a CommonJS file's first line
  // and an ES module's are compiled behind a prefix (the loader knows its length)
  function fileColumn(source, offset, caller, file) {
    const lineStart = source.lastIndexOf('\n', offset - 1) + 1;
    let column = offset - lineStart;
    if (lineStart === 0) {
      column += caller.columnNumber - 1;
      if (caller.lineNumber === 1 && internal.unwrapColumns) {
        const mark = `${file}:1:${column + 1}`;
        const unwrapped = /:1:(\d+)$/.exec(internal.unwrapColumns(mark));
        if (unwrapped) column = Number(unwrapped[1]) - 1;
      }
    }
    return column;
  }

  // Node's layout: continuation lines lose the indentation up to the call's column, and each is
  // indented by two spaces; control characters are escaped
  function layout(source, found, column) {
    const [first, ...rest] = source.slice(found.start, found.end).split('\n');
    let text = first;
    for (const line of rest) {
      let pos = 0;
      while (pos < column && (line[pos] === ' ' || line[pos] === '\t')) pos++;
      text += `\n  ${line.slice(pos)}`;
    }
    text = text.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, (c) => {
      const code = c.charCodeAt(0);
      return code === 8 ? '\\b' : code === 12 ? '\\f' : `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`;
    });
    return `The expression evaluated to a falsy value:\n\n  ${text}\n`;
  }

  // ---- a small JavaScript tokenizer: enough to find call expressions and their brackets ----
  const PUNCTUATORS = ['>>>=', '...', '===', '!==', '**=', '<<=', '>>=', '>>>', '&&=', '||=', '??=', '=>', '?.', '==', '!=',
    '<=', '>=', '&&', '||', '??', '++', '--', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<', '>>', '**'];

  function tokenize(src) {
    const tokens = [];
    const braces = []; // '{' or '${' (a template's substitution)
    let i = 0;
    const push = (type, start, value) => tokens.push({ type, start, end: i, value });
    const template = (start) => { // from after '`' or '}': to the closing '`' or the next '${'
      while (i < src.length && src[i] !== '`' && !(src[i] === '$' && src[i + 1] === '{')) i += src[i] === '\\' ? 2 : 1;
      if (src[i] === '`') {
        i++;
      } else {
        i += 2;
        braces.push('${');
      }
      push('template', start);
    };
    while (i < src.length) {
      const c = src[i];
      const start = i;
      if (/\s/.test(c)) {
        i++;
      } else if (c === '/' && src[i + 1] === '/') {
        while (i < src.length && src[i] !== '\n') i++;
      } else if (c === '/' && src[i + 1] === '*') {
        const end = src.indexOf('*/', i + 2);
        i = end < 0 ? src.length : end + 2;
      } else if (c === '"' || c === "'") {
        i++;
        while (i < src.length && src[i] !== c && src[i] !== '\n') i += src[i] === '\\' ? 2 : 1;
        i++;
        push('string', start);
      } else if (c === '`') {
        i++;
        template(start);
      } else if (c === '}' && braces[braces.length - 1] === '${') {
        braces.pop();
        i++;
        template(start);
      } else if (/[A-Za-z$_\\#\u0080-\uffff]/.test(c)) { // names (any other character taken as a letter)
        i++;
        while (i < src.length && /[\w$\\\u0080-\uffff]/.test(src[i])) i++;
        push('name', start, src.slice(start, i));
      } else if (/\d/.test(c) || (c === '.' && /\d/.test(src[i + 1]))) {
        while (i < src.length && /[\w.]/.test(src[i])) i += /[eE]/.test(src[i]) && /[+-]/.test(src[i + 1]) ? 2 : 1;
        push('number', start);
      } else if (c === '/' && regexMayStart(tokens[tokens.length - 1])) {
        let inClass = false;
        for (i++; i < src.length && src[i] !== '\n'; i++) {
          if (src[i] === '\\') i++;
          else if (src[i] === '[') inClass = true;
          else if (src[i] === ']') inClass = false;
          else if (src[i] === '/' && !inClass) break;
        }
        i++;
        while (i < src.length && /\w/.test(src[i])) i++;
        push('regex', start);
      } else {
        const p = PUNCTUATORS.find((op) => src.startsWith(op, i) && !(op === '?.' && /\d/.test(src[i + 2]))) || c;
        i += p.length;
        if (p === '{') braces.push('{');
        else if (p === '}') braces.pop();
        push('punct', start, p);
      }
    }
    return tokens;
  }

  function regexMayStart(prev) {
    if (prev === undefined) return true;
    if (prev.type === 'punct') return prev.value !== ')' && prev.value !== ']' && prev.value !== '}';
    return prev.type === 'name' && KEYWORDS.has(prev.value);
  }

  // Each bracket token's partner (index -> index), for ( ) and [ ]
  function partners(tokens) {
    const match = new Map();
    const open = [];
    tokens.forEach((token, index) => {
      if (token.type !== 'punct') return;
      if (token.value === '(' || token.value === '[') open.push(index);
      else if (token.value === ')' || token.value === ']') {
        const opener = open.pop();
        if (opener !== undefined) {
          match.set(opener, index);
          match.set(index, opener);
        }
      }
    });
    return match;
  }

  // Whether a token can end what a call's `(` or an index's `[` applies to
  function endsOperand(token) {
    if (token === undefined) return false;
    if (token.type === 'name') return !KEYWORDS.has(token.value);
    if (token.type === 'punct') return token.value === ')' || token.value === ']' || token.value === '?.';
    return true; // a literal or a template's end
  }

  // The first token of the member chain (`a.b[c](d).e`) that ends at token `last`
  function chainStart(tokens, match, last) {
    let s = last;
    for (;;) {
      const token = tokens[s];
      if (token.type === 'punct' && (token.value === ')' || token.value === ']')) {
        const opener = match.get(s);
        if (opener === undefined) return s;
        s = opener;
        if (!endsOperand(tokens[s - 1])) return s; // a parenthesized expression or an array
        s -= 1;
        if (tokens[s].value === '?.') s -= 1;
        continue;
      }
      const before = tokens[s - 1];
      if (before !== undefined && before.type === 'punct' && (before.value === '.' || before.value === '?.')) {
        s -= 2;
        if (s < 0) return 0;
        continue;
      }
      return s;
    }
  }

  // The call expression around `place` ({ from, to }): { start, end, awaits } in `src`
  function findCall(src, place) {
    const tokens = tokenize(src);
    const match = partners(tokens);
    const calls = [];
    tokens.forEach((token, j) => {
      if (token.type !== 'punct' || token.value !== '(' || !match.has(j)) return;
      let calleeEnd = j - 1;
      if (tokens[calleeEnd] && tokens[calleeEnd].value === '?.') calleeEnd -= 1;
      const callee = tokens[calleeEnd];
      if (!endsOperand(callee) || callee.value === '?.') return;
      const close = match.get(j);
      const after = tokens[close + 1];
      if (after !== undefined && after.type === 'punct' && (after.value === '{' || after.value === '=>')) return; // a definition
      if (tokens[calleeEnd - 1] && tokens[calleeEnd - 1].value === 'function') return;
      const first = chainStart(tokens, match, calleeEnd);
      const call = { start: tokens[first].start, end: tokens[close].end, first, close };
      if (call.start > place.to || call.end <= place.from) return;
      call.named = callee.type === 'name' && CALL_NAMES.has(callee.value);
      call.around = call.start <= place.to && place.to < call.end;
      calls.push(call);
    });
    // around the place, named, innermost first; then those only near it (a range), the nearest first
    const rank = (a, b) => (b.around - a.around) || (b.named - a.named) ||
      (a.around ? (a.end - a.start) - (b.end - b.start) : b.start - a.start);
    const found = calls.filter((c) => c.named).sort(rank)[0] || calls.sort(rank)[0];
    if (found === undefined) return undefined;
    // Node parses from each token of the call's line until an expression holds the call: an `await` in
    // the call parses only in an async function starting on that line before it
    const awaits = tokens.slice(found.first, found.close).some((t, i, all) => t.type === 'name' && t.value === 'await' &&
      !(i > 0 && all[i - 1].type === 'punct' && (all[i - 1].value === '.' || all[i - 1].value === '?.')));
    const lineStart = src.lastIndexOf('\n', found.start - 1) + 1;
    const asyncBefore = tokens.slice(0, found.first).some((t) => t.type === 'name' && t.value === 'async' && t.start >= lineStart);
    return { start: found.start, end: found.end, awaits: awaits && !asyncBefore ? 'outside async' : awaits };
  }

  exports.failingCall = failingCall;
});
