// require('punycode'): Node's deprecated built-in (RFC 3492 Punycode, as punycode.js 2.1.0 that Node
// bundles): encode, decode, toASCII, toUnicode, ucs2, version, with its RangeErrors. url.js uses
// encode and decode for non-ASCII hostnames (domainToASCII, domainToUnicode).
defineBuiltin('punycode', function (exports) {
  const BASE = 36;
  const MAX = 0x7fffffff;
  const SEPARATORS = /[\x2E\u3002\uFF0E\uFF61]/g;
  const fail = (what) => {
    throw new RangeError({ overflow: 'Overflow: input needs wider integers to process',
      'not-basic': 'Illegal input >= 0x80 (not a basic code point)', 'invalid-input': 'Invalid input' }[what]);
  };
  const threshold = (k, bias) => (k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias);
  function adapt(delta, points, first) {
    delta = first ? Math.floor(delta / 700) : delta >> 1;
    delta += Math.floor(delta / points);
    let k = 0;
    for (; delta > 455; k += BASE) delta = Math.floor(delta / 35);
    return k + Math.floor((36 * delta) / (delta + 38));
  }
  const digitChar = (d) => String.fromCharCode(d + 22 + 75 * (d < 26));
  function digitValue(c) {
    if (c >= 0x30 && c < 0x3a) return c - 22;
    if (c >= 0x41 && c < 0x5b) return c - 0x41;
    if (c >= 0x61 && c < 0x7b) return c - 0x61;
    return BASE;
  }

  function ucs2decode(string) {
    const out = [];
    for (let i = 0; i < string.length; i++) {
      const c = string.charCodeAt(i);
      const next = string.charCodeAt(i + 1);
      if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out.push(((c & 0x3ff) << 10) + (next & 0x3ff) + 0x10000);
        i++;
      } else {
        out.push(c);
      }
    }
    return out;
  }
  const ucs2encode = (points) => String.fromCodePoint(...points);

  function encode(input) {
    const cps = ucs2decode(input);
    let out = cps.filter((c) => c < 0x80).map((c) => String.fromCharCode(c)).join('');
    const basic = out.length;
    let handled = basic;
    if (basic) out += '-';
    let n = 0x80;
    let delta = 0;
    let bias = 72;
    while (handled < cps.length) {
      let m = MAX;
      for (const c of cps) if (c >= n && c < m) m = c;
      if (m - n > Math.floor((MAX - delta) / (handled + 1))) fail('overflow');
      delta += (m - n) * (handled + 1);
      n = m;
      for (const c of cps) {
        if (c < n && ++delta > MAX) fail('overflow');
        if (c !== n) continue;
        let q = delta;
        for (let k = BASE; ; k += BASE) {
          const t = threshold(k, bias);
          if (q < t) break;
          out += digitChar(t + ((q - t) % (BASE - t)));
          q = Math.floor((q - t) / (BASE - t));
        }
        out += digitChar(q);
        bias = adapt(delta, handled + 1, handled === basic);
        delta = 0;
        handled++;
      }
      delta++;
      n++;
    }
    return out;
  }

  function decode(input) {
    const out = [];
    const basic = Math.max(input.lastIndexOf('-'), 0);
    for (let j = 0; j < basic; j++) {
      if (input.charCodeAt(j) >= 0x80) fail('not-basic');
      out.push(input.charCodeAt(j));
    }
    let n = 0x80;
    let i = 0;
    let bias = 72;
    for (let p = basic > 0 ? basic + 1 : 0; p < input.length;) {
      const old = i;
      for (let w = 1, k = BASE; ; k += BASE) {
        if (p >= input.length) fail('invalid-input');
        const d = digitValue(input.charCodeAt(p++));
        if (d >= BASE) fail('invalid-input');
        if (d > Math.floor((MAX - i) / w)) fail('overflow');
        i += d * w;
        const t = threshold(k, bias);
        if (d < t) break;
        if (w > Math.floor(MAX / (BASE - t))) fail('overflow');
        w *= BASE - t;
      }
      const points = out.length + 1;
      bias = adapt(i - old, points, old === 0);
      if (Math.floor(i / points) > MAX - n) fail('overflow');
      n += Math.floor(i / points);
      i %= points;
      out.splice(i++, 0, n);
    }
    return String.fromCodePoint(...out);
  }

  // Domain names and email addresses: only the part after an '@' is a domain.
  function mapDomain(domain, fn) {
    const at = domain.split('@');
    const local = at.length > 1 ? at[0] + '@' : '';
    const labels = (at.length > 1 ? at[1] : domain).replace(SEPARATORS, '.').split('.');
    return local + labels.map(fn).join('.');
  }
  const toASCII = (input) => mapDomain(input, (l) => (/[^\0-\x7F]/.test(l) ? 'xn--' + encode(l) : l));
  const toUnicode = (input) => mapDomain(input, (l) => (/^xn--/.test(l) ? decode(l.slice(4).toLowerCase()) : l));

  Object.assign(exports, { version: '2.1.0', ucs2: { decode: ucs2decode, encode: ucs2encode }, decode, encode, toASCII, toUnicode });
});
