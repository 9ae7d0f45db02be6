'use strict';
// Cases run by index.js inside the edge and by `node -e` (tests/test_js_punycode.py): each result must
// be the same. Node's deprecated punycode built-in (markdown-it 12, tr46 0.0.3 require it by this
// name), and url's domainToUnicode / domainToASCII and URL hosts with xn-- labels.
const punycode = require('punycode');
const url = require('url');

const DOMAINS = ['mañana.com', 'MAÑANA.com', 'bücher.example', '☃-⌘.com', 'xn--maana-pta.com', 'XN--MAANA-PTA.com',
  'example.com', 'правительство.рф', '例え.テスト', 'a\u3002b.com', 'user@mañana.com', 'xn--ls8h.la', 'xn--tda.xn--tda',
  'xn--zz.com', 'xn--.com', 'xn--abc.com', 'xn--a-ecp.ru', 'xn--ab-.com', 'xn--maana-pta.com.', '0x7f.1', '[::1]',
  'foo%41.com', 'a b.com', '',
  // an xn-- label holding non-ASCII is invalid (it was Punycode-encoded again: 'xn--xn---yna.com')
  'xn--ß.com', 'XN--ß.com', 'xn--mañana.com', 'a.xn--ü-tda', 'xn--ü.xn--maana-pta', 'xn--😀.com', 'xn--ß-.com',
  'xn--maana-pta.ñ.com', 'ab--ß.com', 'xn-ß.com', 'xn--abc-.com', 'ｘｎ--ß.com',
  // UTS #46 maps these to ASCII or other letters first (full-width, ligatures, numerals, ignorables)
  'ＥＸＡＭＰＬＥ.com', 'ｅｘａｍｐｌｅ。ｃｏｍ', 'Ⅻ.com', 'ﬁle.com', 'x\u00ady.com', 'ǅ.com', '①.com', 'ｘｎ--nxasmq6b.com',
  'straße.de', 'a\u200bb.com', 'Ｍａñana.com',
  // ... but not what would become a dot (it would split a label) or the joiners: invalid, as in Node
  'a\u2024b.com', 'x\u2025y.com', '\u2488.com', 'a\u200db.com', 'a\u200cb.com', 'a\uff0eb.com'];
const STRINGS = ['', 'abc', 'ü', 'ABC-ü', '😀', 'ü😀', '\ud800x', 'mañana', 'bücher', '-> $1.00 <-'];
const PUNY = ['tda', 'maana-pta', 'ls8h', 'zz', 'abc', 'a-ecp', 'ab-', '99999999999', 'ü-tda', '-', '', 'TDA'];

function attempt(f) {
  try {
    return f();
  } catch (err) {
    return `${err.name}: ${err.message}`;
  }
}

exports.run = () => ({
  domains: DOMAINS,
  version: punycode.version,
  encode: STRINGS.map((s) => attempt(() => punycode.encode(s))),
  decode: PUNY.map((s) => attempt(() => punycode.decode(s))),
  toASCII: DOMAINS.map((d) => attempt(() => punycode.toASCII(d))),
  toUnicode: DOMAINS.map((d) => attempt(() => punycode.toUnicode(d))),
  ucs2: [punycode.ucs2.decode('\ud834\udf06a\ud800\udc00\udbff'), punycode.ucs2.encode([0x1d306, 97, 0xd800])],
  domainToUnicode: DOMAINS.map((d) => url.domainToUnicode(d)),
  domainToASCII: DOMAINS.map((d) => url.domainToASCII(d)),
  hostname: DOMAINS.map((d) => attempt(() => new URL(`http://${d}/`).hostname)),
});
