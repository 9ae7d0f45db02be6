// require('url') and the URL / URLSearchParams globals: the WHATWG URL Standard's parser (special
// schemes, IPv4/IPv6 hosts, percent-encode sets, relative resolution, setters) and Node's legacy
// url.parse/format/resolve. Hostnames with non-ASCII letters are lower-cased and Punycode-encoded
// (UTS #46's mapping approximated: NFKC and lower case); domainToUnicode decodes them.
defineBuiltin('url', function (exports, require, module, internal) {
  const SPECIAL = { 'ftp:': 21, 'file:': null, 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443 };
  const isSpecialScheme = (s) => Object.prototype.hasOwnProperty.call(SPECIAL, s);
  const C0 = (c) => c < 0x20 || c > 0x7E;
  const FRAGMENT = (c) => C0(c) || c === 0x20 || c === 0x22 || c === 0x3C || c === 0x3E || c === 0x60;
  const QUERY = (c) => C0(c) || c === 0x20 || c === 0x22 || c === 0x23 || c === 0x3C || c === 0x3E;
  const SPECIAL_QUERY = (c) => QUERY(c) || c === 0x27;
  const PATH = (c) => QUERY(c) || c === 0x3F || c === 0x5E || c === 0x60 || c === 0x7B || c === 0x7D;
  const USERINFO = (c) => PATH(c) || c === 0x2F || c === 0x3A || c === 0x3B || c === 0x3D || c === 0x40 ||
    (c >= 0x5B && c <= 0x5D) || c === 0x7C;
  const COMPONENT = (c) => USERINFO(c) || (c >= 0x24 && c <= 0x26) || c === 0x2B || c === 0x2C;
  const FORM = (c) => COMPONENT(c) || c === 0x21 || (c >= 0x27 && c <= 0x29) || c === 0x7E;
  const HEX = '0123456789ABCDEF';
  const encoder = () => require('internal/encoding');

  function utf8(str) {
    return internal.native.utf8Encode(str.toWellFormed());
  }
  function percentEncode(str, set, spaceAsPlus) {
    let out = '';
    for (let i = 0; i < str.length; i++) {
      const c = str.charCodeAt(i);
      if (c < 0x80) {
        if (spaceAsPlus && c === 0x20) out += '+';
        else if (set(c)) out += '%' + HEX[c >> 4] + HEX[c & 15];
        else out += str[i];
      } else {
        const cp = str.codePointAt(i);
        const ch = String.fromCodePoint(cp);
        if (cp > 0xFFFF) i++;
        for (const b of utf8(ch)) out += '%' + HEX[b >> 4] + HEX[b & 15];
      }
    }
    return out;
  }
  function percentDecodeBytes(str) {
    const bytes = utf8(str);
    const out = new Uint8Array(bytes.length);
    let n = 0;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b === 0x25 && i + 2 < bytes.length + 0 && isHex(bytes[i + 1]) && isHex(bytes[i + 2])) {
        out[n++] = parseInt(String.fromCharCode(bytes[i + 1], bytes[i + 2]), 16);
        i += 2;
      } else {
        out[n++] = b;
      }
    }
    return out.subarray(0, n);
  }
  const isHex = (b) => (b >= 48 && b <= 57) || (b >= 65 && b <= 70) || (b >= 97 && b <= 102);
  const decodeUtf8 = (bytes) => internal.native.utf8Decode(bytes);

  // ---- hosts ----
  const FORBIDDEN_HOST = /[\x00\t\n\r #/:<>?@[\\\]^|]/;
  const FORBIDDEN_DOMAIN = /[\x00-\x1f\t\n\r #%/:<>?@[\\\]^|\x7f]/;

  function parseIPv4Number(s) {
    if (s === '') return NaN;
    let radix = 10;
    if (s.length >= 2 && s[0] === '0' && (s[1] === 'x' || s[1] === 'X')) { s = s.slice(2); radix = 16; }
    else if (s.length >= 2 && s[0] === '0') { s = s.slice(1); radix = 8; }
    if (s === '') return 0;
    const valid = radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
    if (!valid.test(s)) return NaN;
    return parseInt(s, radix);
  }
  function endsInNumber(input) {
    const parts = input.split('.');
    if (parts[parts.length - 1] === '') {
      if (parts.length === 1) return false;
      parts.pop();
    }
    const last = parts[parts.length - 1];
    if (last !== '' && /^[0-9]+$/.test(last)) return true;
    return !Number.isNaN(parseIPv4Number(last)) && /^0[xX]/.test(last);
  }
  function parseIPv4(input) {
    const parts = input.split('.');
    if (parts[parts.length - 1] === '' && parts.length > 1) parts.pop();
    if (parts.length > 4) return null;
    const numbers = [];
    for (const p of parts) {
      const n = parseIPv4Number(p);
      if (Number.isNaN(n)) return null;
      numbers.push(n);
    }
    for (let i = 0; i < numbers.length - 1; i++) if (numbers[i] > 255) return null;
    if (numbers[numbers.length - 1] >= 256 ** (5 - numbers.length)) return null;
    let ipv4 = numbers[numbers.length - 1];
    for (let i = 0; i < numbers.length - 1; i++) ipv4 += numbers[i] * 256 ** (3 - i);
    return ipv4;
  }
  function serializeIPv4(n) {
    const out = [];
    for (let i = 0; i < 4; i++) { out.unshift(String(n % 256)); n = Math.floor(n / 256); }
    return out.join('.');
  }
  function parseIPv6(input) {
    const address = [0, 0, 0, 0, 0, 0, 0, 0];
    let pieceIndex = 0;
    let compress = null;
    let pointer = 0;
    const cp = (i) => input.charCodeAt(i);
    if (cp(pointer) === 58) {
      if (cp(pointer + 1) !== 58) return null;
      pointer += 2;
      pieceIndex++;
      compress = pieceIndex;
    }
    while (pointer < input.length) {
      if (pieceIndex === 8) return null;
      if (cp(pointer) === 58) {
        if (compress !== null) return null;
        pointer++;
        pieceIndex++;
        compress = pieceIndex;
        continue;
      }
      let value = 0;
      let length = 0;
      while (length < 4 && pointer < input.length && isHex(cp(pointer))) {
        value = value * 16 + parseInt(input[pointer], 16);
        pointer++;
        length++;
      }
      if (cp(pointer) === 46) {
        if (length === 0) return null;
        pointer -= length;
        if (pieceIndex > 6) return null;
        let numbersSeen = 0;
        while (pointer < input.length) {
          let ipv4Piece = null;
          if (numbersSeen > 0) {
            if (cp(pointer) === 46 && numbersSeen < 4) pointer++;
            else return null;
          }
          if (!(cp(pointer) >= 48 && cp(pointer) <= 57)) return null;
          while (cp(pointer) >= 48 && cp(pointer) <= 57) {
            const number = cp(pointer) - 48;
            if (ipv4Piece === null) ipv4Piece = number;
            else if (ipv4Piece === 0) return null;
            else ipv4Piece = ipv4Piece * 10 + number;
            if (ipv4Piece > 255) return null;
            pointer++;
          }
          address[pieceIndex] = address[pieceIndex] * 0x100 + ipv4Piece;
          numbersSeen++;
          if (numbersSeen === 2 || numbersSeen === 4) pieceIndex++;
        }
        if (numbersSeen !== 4) return null;
        break;
      } else if (cp(pointer) === 58) {
        pointer++;
        if (pointer >= input.length) return null;
      } else if (pointer < input.length) {
        return null;
      }
      address[pieceIndex] = value;
      pieceIndex++;
    }
    if (compress !== null) {
      let swaps = pieceIndex - compress;
      pieceIndex = 7;
      while (pieceIndex !== 0 && swaps > 0) {
        const t = address[compress + swaps - 1];
        address[compress + swaps - 1] = address[pieceIndex];
        address[pieceIndex] = t;
        pieceIndex--;
        swaps--;
      }
    } else if (pieceIndex !== 8) {
      return null;
    }
    return address;
  }
  function serializeIPv6(address) {
    let best = -1;
    let bestLen = 1;
    for (let i = 0; i < 8;) {
      if (address[i] !== 0) { i++; continue; }
      let j = i;
      while (j < 8 && address[j] === 0) j++;
      if (j - i > bestLen) { best = i; bestLen = j - i; }
      i = j;
    }
    let out = '';
    let ignore0 = false;
    for (let i = 0; i < 8; i++) {
      if (ignore0 && address[i] === 0) continue;
      ignore0 = false;
      if (best === i) {
        out += i === 0 ? '::' : ':';
        ignore0 = true;
        continue;
      }
      out += address[i].toString(16);
      if (i !== 7) out += ':';
    }
    return `[${out}]`;
  }

  // Non-ASCII labels are Punycode-encoded (punycode.js). An xn-- label must be ASCII (UTS #46: 'xn--ß'
  // was encoded again, as 'xn--xn---yna') and decode to a label the mapping would keep as it is
  // (approximated: no controls or spaces, NFKC, lower case), or the host is invalid, as in Node.
  const punycode = require('punycode');
  function labelToUnicode(label) {
    if (!label.startsWith('xn--')) return label;
    let decoded;
    try {
      decoded = punycode.decode(label.slice(4));
    } catch {
      return null;
    }
    return decoded !== '' && !/[\0-\x20\x7f-\x9f]/.test(decoded) && decoded.normalize('NFKC').toLowerCase() === decoded
      ? decoded : null;
  }
  // UTS #46's mapping, approximated by NFKC and lower case (full-width letters, ligatures, roman
  // numerals and circled digits become ASCII, as Node maps them), with the code points it maps to
  // nothing (soft hyphen, variation selectors, zero-width space and no-break space) removed.
  const MAPPED_TO_NOTHING = /[\u00ad\u034f\u180b-\u180d\u200b\u2060\ufe00-\ufe0f\ufeff]/g;
  // UTS #46 disallows what NFKC would turn into a dot (one dot leader U+2024, '⒈') — mapping it would
  // split a label, so a host check would see another host than Node and browsers do — and the joiners
  // U+200C/U+200D (their context rules fail in a hostname); only the ideographic and full-width stops
  // map to a dot.
  const STOPS = new Set(['.', '\u3002', '\uff0e', '\uff61']);
  function disallowed(domain) {
    if (/[\u200c\u200d]/.test(domain)) return true;
    for (const ch of domain) {
      if (ch < '\u0080' || STOPS.has(ch)) continue;
      if (ch.normalize('NFKC').includes('.')) return true;
    }
    return false;
  }
  function domainToASCII(domain) {
    if (disallowed(domain)) return '';
    const mapped = domain.normalize('NFKC').toLowerCase().normalize('NFKC').replace(MAPPED_TO_NOTHING, '')
      .replace(/[\u3002\uff0e\uff61]/g, '.');
    let valid = true;
    const labels = mapped.split('.').map((label) => {
      if (/^[\x00-\x7f]*$/.test(label)) return label;
      if (label.startsWith('xn--')) valid = false;
      return 'xn--' + punycode.encode(label);
    });
    return valid && labels.every((label) => labelToUnicode(label) !== null) ? labels.join('.') : '';
  }

  function parseHost(input, notSpecial) {
    if (input.startsWith('[')) {
      if (!input.endsWith(']')) return null;
      const a = parseIPv6(input.slice(1, -1));
      return a === null ? null : serializeIPv6(a);
    }
    if (notSpecial) {
      if (FORBIDDEN_HOST.test(input)) return null;
      return percentEncode(input, C0);
    }
    const domain = decodeUtf8(percentDecodeBytes(input));
    let ascii = domainToASCII(domain);
    if (ascii === '' || FORBIDDEN_DOMAIN.test(ascii)) return null;
    if (endsInNumber(ascii)) {
      const v4 = parseIPv4(ascii);
      return v4 === null ? null : serializeIPv4(v4);
    }
    return ascii;
  }

  // ---- the basic URL parser (with state override, for setters) ----
  const ALPHA = /[A-Za-z]/;
  const SCHEME_CHAR = /[A-Za-z0-9+\-.]/;
  const isWindowsLetter = (s, normalizedOnly) => s.length === 2 && ALPHA.test(s[0]) && (s[1] === ':' || (!normalizedOnly && s[1] === '|'));
  const startsWithWindowsLetter = (s, p) => {
    const rest = s.slice(p);
    return rest.length >= 2 && isWindowsLetter(rest.slice(0, 2)) && (rest.length === 2 || '/\\?#'.includes(rest[2]));
  };
  const isSingleDot = (s) => s === '.' || s.toLowerCase() === '%2e';
  const isDoubleDot = (s) => ['..', '.%2e', '%2e.', '%2e%2e'].includes(s.toLowerCase());
  function shortenPath(url) {
    const path = url.path;
    if (url.scheme === 'file:' && path.length === 1 && isWindowsLetter(path[0], true)) return;
    path.pop();
  }
  function newRecord() {
    return { scheme: '', username: '', password: '', host: null, port: null, path: [], opaque: null, query: null, fragment: null };
  }

  function basicParse(input, base, url, stateOverride) {
    if (!url) {
      url = newRecord();
      input = input.replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, '');
    }
    input = input.replace(/[\t\n\r]/g, '');
    let state = stateOverride || 'scheme start';
    let buffer = '';
    let atSignSeen = false;
    let insideBrackets = false;
    let passwordTokenSeen = false;
    const chars = Array.from(input);
    let pointer = 0;
    for (; ; pointer++) {
      const c = chars[pointer];
      const EOF = c === undefined;
      switch (state) {
        case 'scheme start':
          if (!EOF && ALPHA.test(c)) { buffer += c.toLowerCase(); state = 'scheme'; }
          else if (!stateOverride) { state = 'no scheme'; pointer--; }
          else return null;
          break;
        case 'scheme':
          if (!EOF && SCHEME_CHAR.test(c)) { buffer += c.toLowerCase(); }
          else if (c === ':') {
            if (stateOverride) {
              if (isSpecialScheme(url.scheme) !== isSpecialScheme(buffer + ':')) return url;
              if ((url.username || url.password || url.port !== null) && buffer === 'file') return url;
              if (url.scheme === 'file:' && url.host === '') return url;
            }
            url.scheme = buffer + ':';
            if (stateOverride) {
              if (url.port === SPECIAL[url.scheme]) url.port = null;
              return url;
            }
            buffer = '';
            if (url.scheme === 'file:') state = 'file';
            else if (isSpecialScheme(url.scheme) && base && base.scheme === url.scheme) state = 'special relative or authority';
            else if (isSpecialScheme(url.scheme)) state = 'special authority slashes';
            else if (chars[pointer + 1] === '/') { state = 'path or authority'; pointer++; }
            else { url.opaque = ''; state = 'opaque path'; }
          } else if (!stateOverride) { buffer = ''; state = 'no scheme'; pointer = -1; }
          else return null;
          break;
        case 'no scheme':
          if (!base || (base.opaque !== null && c !== '#')) return null;
          if (base.opaque !== null && c === '#') {
            url.scheme = base.scheme; url.path = base.path.slice(); url.opaque = base.opaque; url.query = base.query;
            url.fragment = ''; state = 'fragment';
          } else if (base.scheme !== 'file:') { state = 'relative'; pointer--; }
          else { state = 'file'; pointer--; }
          break;
        case 'special relative or authority':
          if (c === '/' && chars[pointer + 1] === '/') { state = 'special authority ignore slashes'; pointer++; }
          else { state = 'relative'; pointer--; }
          break;
        case 'path or authority':
          if (c === '/') state = 'authority';
          else { state = 'path'; pointer--; }
          break;
        case 'relative':
          url.scheme = base.scheme;
          if (c === '/') state = 'relative slash';
          else if (isSpecialScheme(url.scheme) && c === '\\') state = 'relative slash';
          else {
            url.username = base.username; url.password = base.password; url.host = base.host; url.port = base.port;
            url.path = base.path.slice(); url.query = base.query;
            if (c === '?') { url.query = ''; state = 'query'; }
            else if (c === '#') { url.fragment = ''; state = 'fragment'; }
            else if (!EOF) { url.query = null; shortenPath(url); state = 'path'; pointer--; }
          }
          break;
        case 'relative slash':
          if (isSpecialScheme(url.scheme) && (c === '/' || c === '\\')) state = 'special authority ignore slashes';
          else if (c === '/') state = 'authority';
          else {
            url.username = base.username; url.password = base.password; url.host = base.host; url.port = base.port;
            state = 'path'; pointer--;
          }
          break;
        case 'special authority slashes':
          if (c === '/' && chars[pointer + 1] === '/') { state = 'special authority ignore slashes'; pointer++; }
          else { state = 'special authority ignore slashes'; pointer--; }
          break;
        case 'special authority ignore slashes':
          if (c !== '/' && c !== '\\') { state = 'authority'; pointer--; }
          break;
        case 'authority':
          if (c === '@') {
            if (atSignSeen) buffer = '%40' + buffer;
            atSignSeen = true;
            for (const ch of Array.from(buffer)) {
              if (ch === ':' && !passwordTokenSeen) { passwordTokenSeen = true; continue; }
              const enc = percentEncode(ch, USERINFO);
              if (passwordTokenSeen) url.password += enc;
              else url.username += enc;
            }
            buffer = '';
          } else if (EOF || c === '/' || c === '?' || c === '#' || (isSpecialScheme(url.scheme) && c === '\\')) {
            if (atSignSeen && buffer === '') return null;
            pointer -= Array.from(buffer).length + 1;
            buffer = '';
            state = 'host';
          } else buffer += c;
          break;
        case 'host':
        case 'hostname':
          if (stateOverride && url.scheme === 'file:') { pointer--; state = 'file host'; }
          else if (c === ':' && !insideBrackets) {
            if (buffer === '') return null;
            if (stateOverride === 'hostname') return null;
            const host = parseHost(buffer, !isSpecialScheme(url.scheme));
            if (host === null) return null;
            url.host = host; buffer = ''; state = 'port';
          } else if (EOF || c === '/' || c === '?' || c === '#' || (isSpecialScheme(url.scheme) && c === '\\')) {
            pointer--;
            if (isSpecialScheme(url.scheme) && buffer === '') return null;
            if (stateOverride && buffer === '' && (url.username || url.password || url.port !== null)) return url;
            const host = parseHost(buffer, !isSpecialScheme(url.scheme));
            if (host === null) return null;
            url.host = host; buffer = ''; state = 'path start';
            if (stateOverride) return url;
          } else {
            if (c === '[') insideBrackets = true;
            if (c === ']') insideBrackets = false;
            buffer += c;
          }
          break;
        case 'port':
          if (!EOF && /[0-9]/.test(c)) buffer += c;
          else if (EOF || c === '/' || c === '?' || c === '#' || (isSpecialScheme(url.scheme) && c === '\\') || stateOverride) {
            if (buffer !== '') {
              const port = parseInt(buffer, 10);
              if (port > 65535) return null;
              url.port = SPECIAL[url.scheme] === port ? null : port;
              buffer = '';
            }
            if (stateOverride) return url;
            state = 'path start'; pointer--;
          } else return null;
          break;
        case 'file':
          url.scheme = 'file:';
          url.host = '';
          if (c === '/' || c === '\\') state = 'file slash';
          else if (base && base.scheme === 'file:') {
            url.host = base.host; url.path = base.path.slice(); url.query = base.query;
            if (c === '?') { url.query = ''; state = 'query'; }
            else if (c === '#') { url.fragment = ''; state = 'fragment'; }
            else if (!EOF) {
              url.query = null;
              if (!startsWithWindowsLetter(chars.join(''), pointer)) shortenPath(url);
              else url.path = [];
              state = 'path'; pointer--;
            }
          } else { state = 'path'; pointer--; }
          break;
        case 'file slash':
          if (c === '/' || c === '\\') state = 'file host';
          else {
            if (base && base.scheme === 'file:') {
              url.host = base.host;
              if (!startsWithWindowsLetter(chars.join(''), pointer) && base.path.length && isWindowsLetter(base.path[0], true)) {
                url.path.push(base.path[0]);
              }
            }
            state = 'path'; pointer--;
          }
          break;
        case 'file host':
          if (EOF || c === '/' || c === '\\' || c === '?' || c === '#') {
            pointer--;
            if (!stateOverride && isWindowsLetter(buffer)) state = 'path';
            else if (buffer === '') {
              url.host = '';
              if (stateOverride) return url;
              state = 'path start';
            } else {
              let host = parseHost(buffer, false);
              if (host === null) return null;
              if (host === 'localhost') host = '';
              url.host = host;
              if (stateOverride) return url;
              buffer = '';
              state = 'path start';
            }
          } else buffer += c;
          break;
        case 'path start':
          if (isSpecialScheme(url.scheme)) {
            state = 'path';
            if (c !== '/' && c !== '\\') pointer--;
          } else if (!stateOverride && c === '?') { url.query = ''; state = 'query'; }
          else if (!stateOverride && c === '#') { url.fragment = ''; state = 'fragment'; }
          else if (!EOF) { state = 'path'; if (c !== '/') pointer--; }
          else if (stateOverride && url.host === null) url.path.push('');
          break;
        case 'path':
          if (EOF || c === '/' || (isSpecialScheme(url.scheme) && c === '\\') || (!stateOverride && (c === '?' || c === '#'))) {
            if (isDoubleDot(buffer)) {
              shortenPath(url);
              if (c !== '/' && !(isSpecialScheme(url.scheme) && c === '\\')) url.path.push('');
            } else if (isSingleDot(buffer) && c !== '/' && !(isSpecialScheme(url.scheme) && c === '\\')) {
              url.path.push('');
            } else if (!isSingleDot(buffer)) {
              if (url.scheme === 'file:' && url.path.length === 0 && isWindowsLetter(buffer)) buffer = buffer[0] + ':';
              url.path.push(buffer);
            }
            buffer = '';
            if (c === '?') { url.query = ''; state = 'query'; }
            if (c === '#') { url.fragment = ''; state = 'fragment'; }
          } else buffer += percentEncode(c, PATH);
          break;
        case 'opaque path':
          if (c === '?') { url.query = ''; state = 'query'; }
          else if (c === '#') { url.fragment = ''; state = 'fragment'; }
          else if (!EOF) url.opaque += percentEncode(c, C0);
          break;
        case 'query':
          if ((!stateOverride && c === '#') || EOF) {
            url.query += percentEncode(buffer, isSpecialScheme(url.scheme) ? SPECIAL_QUERY : QUERY);
            buffer = '';
            if (c === '#') { url.fragment = ''; state = 'fragment'; }
          } else buffer += c;
          break;
        case 'fragment':
          if (!EOF) url.fragment += percentEncode(c, FRAGMENT);
          break;
        default:
          throw new Error(`URL parser state ${state}`);
      }
      if (pointer >= chars.length) break; // the spec's "pointer points to EOF" (after any step back)
    }
    return url;
  }

  function serializePath(u) {
    if (u.opaque !== null) return u.opaque;
    let out = '';
    if (u.host === null && u.path.length > 1 && u.path[0] === '') out += '/.';
    for (const seg of u.path) out += '/' + seg;
    return out;
  }
  function serialize(u, excludeFragment) {
    let out = u.scheme;
    if (u.host !== null) {
      out += '//';
      if (u.username !== '' || u.password !== '') {
        out += u.username;
        if (u.password !== '') out += ':' + u.password;
        out += '@';
      }
      out += u.host;
      if (u.port !== null) out += ':' + u.port;
    }
    out += serializePath(u);
    if (u.query !== null) out += '?' + u.query;
    if (!excludeFragment && u.fragment !== null) out += '#' + u.fragment;
    return out;
  }

  // ---- URLSearchParams ----
  function formParse(input) {
    const out = [];
    for (const seq of input.split('&')) {
      if (seq === '') continue;
      const eq = seq.indexOf('=');
      const name = eq >= 0 ? seq.slice(0, eq) : seq;
      const value = eq >= 0 ? seq.slice(eq + 1) : '';
      out.push([decodeUtf8(percentDecodeBytes(name.replaceAll('+', ' '))), decodeUtf8(percentDecodeBytes(value.replaceAll('+', ' ')))]);
    }
    return out;
  }
  function formSerialize(list) {
    return list.map(([k, v]) => `${percentEncode(k, FORM, true)}=${percentEncode(v, FORM, true)}`).join('&');
  }

  const kList = Symbol('list');
  const kUrl = Symbol('url');
  class URLSearchParams {
    constructor(init = undefined) {
      this[kList] = [];
      this[kUrl] = null;
      if (init === undefined || init === null) return;
      if (typeof init === 'object' || typeof init === 'function') {
        if (typeof init[Symbol.iterator] === 'function') {
          for (const pair of init) {
            const p = Array.from(pair);
            if (p.length !== 2) throw internal.codeError(TypeError, 'ERR_INVALID_TUPLE', 'Each query pair must be an iterable [name, value] tuple');
            this[kList].push([String(p[0]).toWellFormed(), String(p[1]).toWellFormed()]);
          }
        } else {
          for (const key of Object.keys(init)) this[kList].push([key.toWellFormed(), String(init[key]).toWellFormed()]);
        }
      } else {
        let s = String(init);
        if (s.startsWith('?')) s = s.slice(1);
        this[kList] = formParse(s);
      }
    }
    _update() {
      const url = this[kUrl];
      if (url === null) return;
      const s = formSerialize(this[kList]);
      url._record.query = s === '' ? null : s;
    }
    get size() { return this[kList].length; }
    append(name, value) { this[kList].push([String(name).toWellFormed(), String(value).toWellFormed()]); this._update(); }
    delete(name, value) {
      name = String(name);
      this[kList] = this[kList].filter(([k, v]) => !(k === name && (value === undefined || v === String(value))));
      this._update();
    }
    get(name) { name = String(name); const e = this[kList].find(([k]) => k === name); return e ? e[1] : null; }
    getAll(name) { name = String(name); return this[kList].filter(([k]) => k === name).map(([, v]) => v); }
    has(name, value) { name = String(name); return this[kList].some(([k, v]) => k === name && (value === undefined || v === String(value))); }
    set(name, value) {
      name = String(name).toWellFormed();
      value = String(value).toWellFormed();
      const i = this[kList].findIndex(([k]) => k === name);
      if (i < 0) this[kList].push([name, value]);
      else {
        this[kList][i][1] = value;
        this[kList] = this[kList].filter(([k], j) => j <= i || k !== name);
      }
      this._update();
    }
    sort() {
      const keyed = this[kList].map((e, i) => [e, i]);
      keyed.sort((a, b) => {
        const x = a[0][0];
        const y = b[0][0];
        for (let i = 0; i < Math.min(x.length, y.length); i++) {
          const d = x.charCodeAt(i) - y.charCodeAt(i);
          if (d !== 0) return d;
        }
        return x.length - y.length || a[1] - b[1];
      });
      this[kList] = keyed.map(([e]) => e);
      this._update();
    }
    forEach(callback, thisArg) {
      if (typeof callback !== 'function') throw internal.argType('callback', 'of type function', callback);
      for (let i = 0; i < this[kList].length; i++) {
        const [k, v] = this[kList][i];
        callback.call(thisArg, v, k, this);
      }
    }
    *keys() { for (const [k] of this[kList]) yield k; }
    *values() { for (const [, v] of this[kList]) yield v; }
    *entries() { for (const [k, v] of this[kList]) yield [k, v]; }
    [Symbol.iterator]() { return this.entries(); }
    toString() { return formSerialize(this[kList]); }
    get [Symbol.toStringTag]() { return 'URLSearchParams'; }
    [internal.inspectCustom](depth, options) {
      const util = require('util');
      if (this[kList].length === 0) return 'URLSearchParams {}';
      const parts = this[kList].map(([k, v]) => `${util.inspect(k)} => ${util.inspect(v)}`);
      const joined = parts.join(', ');
      if (joined.length + 20 <= 80) return `URLSearchParams { ${joined} }`;
      return `URLSearchParams {\n  ${parts.join(',\n  ')} }`;
    }
  }

  // ---- URL ----
  function parseOrThrow(input, base) {
    let baseRecord = null;
    if (base !== undefined) {
      baseRecord = basicParse(String(base).toWellFormed(), null);
      if (baseRecord === null) throw invalid(input, base);
    }
    const record = basicParse(String(input).toWellFormed(), baseRecord);
    if (record === null) throw invalid(input, base);
    return record;
  }
  function invalid(input, base) {
    const err = internal.plainCodeError(TypeError, 'ERR_INVALID_URL', 'Invalid URL'); // Node 20's C++ (ada)
    err.input = String(input);
    if (base !== undefined) err.base = String(base);
    return err;
  }

  class URL {
    constructor(input, base = undefined) {
      if (arguments.length === 0) throw internal.codeError(TypeError, 'ERR_MISSING_ARGS', 'The "url" argument must be specified');
      this._record = parseOrThrow(input, base);
      this._params = new URLSearchParams(this._record.query || '');
      this._params[kUrl] = this;
    }
    static canParse(input, base = undefined) {
      try { parseOrThrow(input, base); return true; } catch { return false; }
    }
    static parse(input, base = undefined) {
      try { return new URL(input, base); } catch { return null; }
    }
    _set(value, state) {
      const copy = { ...this._record, path: this._record.path.slice() };
      const r = basicParse(String(value).toWellFormed(), null, copy, state);
      if (r !== null) this._record = r;
    }
    get href() { return serialize(this._record); }
    set href(value) {
      this._record = parseOrThrow(value);
      this._params[kList] = formParse(this._record.query || '');
    }
    get origin() {
      const u = this._record;
      if (u.scheme === 'blob:') {
        try { return new URL(serializePath(u)).origin; } catch { return 'null'; }
      }
      if (['http:', 'https:', 'ws:', 'wss:', 'ftp:'].includes(u.scheme)) {
        return `${u.scheme}//${u.host}${u.port !== null ? ':' + u.port : ''}`;
      }
      return 'null';
    }
    get protocol() { return this._record.scheme; }
    set protocol(value) { this._set(String(value) + ':', 'scheme start'); }
    get username() { return this._record.username; }
    set username(value) {
      const u = this._record;
      if (u.host === null || u.host === '' || u.scheme === 'file:') return;
      u.username = percentEncode(String(value).toWellFormed(), USERINFO);
    }
    get password() { return this._record.password; }
    set password(value) {
      const u = this._record;
      if (u.host === null || u.host === '' || u.scheme === 'file:') return;
      u.password = percentEncode(String(value).toWellFormed(), USERINFO);
    }
    get host() {
      const u = this._record;
      if (u.host === null) return '';
      return u.port === null ? u.host : `${u.host}:${u.port}`;
    }
    set host(value) { if (this._record.opaque === null) this._set(value, 'host'); }
    get hostname() { return this._record.host === null ? '' : this._record.host; }
    set hostname(value) { if (this._record.opaque === null) this._set(value, 'hostname'); }
    get port() { return this._record.port === null ? '' : String(this._record.port); }
    set port(value) {
      const u = this._record;
      if (u.host === null || u.host === '' || u.scheme === 'file:') return;
      if (String(value) === '') u.port = null;
      else this._set(value, 'port');
    }
    get pathname() { return serializePath(this._record); }
    set pathname(value) {
      if (this._record.opaque !== null) return;
      this._record.path = [];
      this._set(value, 'path start');
    }
    get search() { const q = this._record.query; return q === null || q === '' ? '' : '?' + q; }
    set search(value) {
      value = String(value);
      if (value === '') {
        this._record.query = null;
        this._params[kList] = [];
        return;
      }
      const input = value.startsWith('?') ? value.slice(1) : value;
      this._record.query = '';
      this._set(input, 'query');
      this._params[kList] = formParse(input);
    }
    get searchParams() { return this._params; }
    get hash() { const f = this._record.fragment; return f === null || f === '' ? '' : '#' + f; }
    set hash(value) {
      value = String(value);
      if (value === '') { this._record.fragment = null; return; }
      this._record.fragment = '';
      this._set(value.startsWith('#') ? value.slice(1) : value, 'fragment');
    }
    toString() { return this.href; }
    toJSON() { return this.href; }
    get [Symbol.toStringTag]() { return 'URL'; }
    [internal.inspectCustom](depth, options) {
      const util = require('util');
      const obj = {
        href: this.href, origin: this.origin, protocol: this.protocol, username: this.username,
        password: this.password, host: this.host, hostname: this.hostname, port: this.port,
        pathname: this.pathname, search: this.search, searchParams: this.searchParams, hash: this.hash,
      };
      if (depth < 0) return '[URL]';
      return `URL ${util.inspect(obj, { ...options, depth })}`;
    }
  }
  for (const name of ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'searchParams', 'hash', 'toString', 'toJSON']) {
    Object.defineProperty(URL.prototype, name, { ...Object.getOwnPropertyDescriptor(URL.prototype, name), enumerable: true });
  }
  Object.defineProperty(URL.prototype, '_set', { enumerable: false });
  Object.defineProperty(URLSearchParams.prototype, '_update', { enumerable: false });

  // ---- legacy API: url.parse / url.format / url.resolve ----
  const protocolPattern = /^[a-z0-9.+-]+:/i;
  const portPattern = /:[0-9]*$/;
  const hostPattern = /^\/\/[^@/]+@[^@/]+/;
  const simplePathPattern = /^(\/\/?(?!\/)[^?\s]*)(\?[^\s]*)?$/;
  const hostnameMaxLen = 255;
  const unsafeProtocol = new Set(['javascript', 'javascript:']);
  const hostlessProtocol = new Set(['javascript', 'javascript:']);
  const slashedProtocol = new Set(['http', 'http:', 'https', 'https:', 'ftp', 'ftp:', 'gopher', 'gopher:', 'file', 'file:', 'ws', 'ws:', 'wss', 'wss:']);
  const autoEscape = { '\t': '%09', '\n': '%0A', '\r': '%0D', ' ': '%20', '"': '%22', "'": '%27', '<': '%3C', '>': '%3E', '\\': '%5C', '^': '%5E', '`': '%60', '{': '%7B', '|': '%7C', '}': '%7D' };

  function Url() {
    this.protocol = null;
    this.slashes = null;
    this.auth = null;
    this.host = null;
    this.port = null;
    this.hostname = null;
    this.hash = null;
    this.search = null;
    this.query = null;
    this.pathname = null;
    this.path = null;
    this.href = null;
  }

  function urlParse(url, parseQueryString, slashesDenoteHost) {
    if (url instanceof Url) return url;
    const u = new Url();
    u.parse(url, parseQueryString, slashesDenoteHost);
    return u;
  }

  Url.prototype.parse = function parse(url, parseQueryString, slashesDenoteHost) {
    if (typeof url !== 'string') throw internal.argType('url', 'of type string', url);
    const qs = require('querystring');
    let hasHash = false;
    let hasAt = false;
    let start = -1;
    let end = -1;
    let rest = '';
    let lastPos = 0;
    for (let i = 0, inWs = false, split = false; i < url.length; ++i) {
      const code = url.charCodeAt(i);
      const isWs = code === 32 || code === 9 || code === 13 || code === 10 || code === 12 || code === 160 || code === 65279;
      if (start === -1) {
        if (isWs) continue;
        lastPos = start = i;
      } else if (inWs) {
        if (!isWs) { end = -1; inWs = false; }
      } else if (isWs) {
        end = i;
        inWs = true;
      }
      if (!split) {
        switch (code) {
          case 64: hasAt = true; break;
          case 35: hasHash = true; // falls through
          case 63: split = true; break;
          case 92:
            if (i - lastPos > 0) rest += url.slice(lastPos, i);
            rest += '/';
            lastPos = i + 1;
            break;
        }
      } else if (!hasHash && code === 35) {
        hasHash = true;
      }
    }
    if (start !== -1) {
      if (lastPos === start) {
        if (end === -1) {
          if (start === 0) rest = url;
          else rest = url.slice(start);
        } else {
          rest = url.slice(start, end);
        }
      } else if (end === -1 && lastPos < url.length) {
        rest += url.slice(lastPos);
      } else if (end !== -1 && lastPos < end) {
        rest += url.slice(lastPos, end);
      }
    }
    if (!slashesDenoteHost && !hasHash && !hasAt) {
      const simplePath = simplePathPattern.exec(rest);
      if (simplePath) {
        this.path = rest;
        this.href = rest;
        this.pathname = simplePath[1];
        if (simplePath[2]) {
          this.search = simplePath[2];
          this.query = parseQueryString ? qs.parse(this.search.slice(1)) : this.search.slice(1);
        } else if (parseQueryString) {
          this.search = null;
          this.query = { __proto__: null };
        }
        return this;
      }
    }
    let proto = protocolPattern.exec(rest);
    let lowerProto;
    if (proto) {
      proto = proto[0];
      lowerProto = proto.toLowerCase();
      this.protocol = lowerProto;
      rest = rest.slice(proto.length);
    }
    let slashes;
    if (slashesDenoteHost || proto || hostPattern.test(rest)) {
      slashes = rest.charCodeAt(0) === 47 && rest.charCodeAt(1) === 47;
      if (slashes && !(proto && hostlessProtocol.has(lowerProto))) {
        rest = rest.slice(2);
        this.slashes = true;
      }
    }
    if (!hostlessProtocol.has(lowerProto) && (slashes || (proto && !slashedProtocol.has(proto)))) {
      let hostEnd = -1;
      let atSign = -1;
      let nonHost = -1;
      for (let i = 0; i < rest.length; ++i) {
        switch (rest.charCodeAt(i)) {
          case 9: case 10: case 13: case 32: case 34: case 37: case 39: case 59: case 60: case 62:
          case 92: case 94: case 96: case 123: case 124: case 125:
            if (nonHost === -1) nonHost = i;
            break;
          case 35: case 47: case 63:
            if (nonHost === -1) nonHost = i;
            hostEnd = i;
            break;
          case 64:
            atSign = i;
            nonHost = -1;
            break;
        }
        if (hostEnd !== -1) break;
      }
      start = 0;
      if (atSign !== -1) {
        this.auth = decodeURIComponent(rest.slice(0, atSign));
        start = atSign + 1;
      }
      if (nonHost === -1) {
        this.host = rest.slice(start);
        rest = '';
      } else {
        this.host = rest.slice(start, nonHost);
        rest = rest.slice(nonHost);
      }
      this.parseHost();
      if (typeof this.hostname !== 'string') this.hostname = '';
      const hostname = this.hostname;
      const ipv6Hostname = hostname.charCodeAt(0) === 91 && hostname.charCodeAt(hostname.length - 1) === 93;
      if (!ipv6Hostname) {
        for (let i = 0; i < hostname.length; ++i) {
          const code = hostname.charCodeAt(i);
          const valid = (code >= 97 && code <= 122) || code === 46 || (code >= 65 && code <= 90) ||
            (code >= 48 && code <= 57) || code === 45 || code === 43 || code === 95 || code > 127;
          if (!valid) {
            this.hostname = hostname.slice(0, i);
            rest = `/${hostname.slice(i)}${rest}`;
            break;
          }
        }
      }
      if (this.hostname.length > hostnameMaxLen) this.hostname = '';
      else this.hostname = this.hostname.toLowerCase();
      if (this.hostname !== '') {
        if (ipv6Hostname) {
          // kept as is
        } else if (/[^\x00-\x7f]/.test(this.hostname)) {
          this.hostname = domainToASCII(this.hostname);
        }
      }
      const p = this.port ? ':' + this.port : '';
      const h = this.hostname || '';
      this.host = h + p;
      if (ipv6Hostname) {
        this.hostname = this.hostname.slice(1, -1);
        if (rest[0] !== '/') rest = '/' + rest;
      }
    }
    if (!unsafeProtocol.has(lowerProto)) {
      let escaped = '';
      let last = 0;
      for (let i = 0; i < rest.length; ++i) {
        const esc = autoEscape[rest[i]];
        if (esc) {
          if (i > last) escaped += rest.slice(last, i);
          escaped += esc;
          last = i + 1;
        }
      }
      if (last !== 0) rest = escaped + rest.slice(last);
    }
    let questionIdx = -1;
    let hashIdx = -1;
    for (let i = 0; i < rest.length; ++i) {
      const code = rest.charCodeAt(i);
      if (code === 35) {
        this.hash = rest.slice(i);
        hashIdx = i;
        break;
      } else if (code === 63 && questionIdx === -1) {
        questionIdx = i;
      }
    }
    if (questionIdx !== -1) {
      if (hashIdx === -1) {
        this.search = rest.slice(questionIdx);
        this.query = rest.slice(questionIdx + 1);
      } else {
        this.search = rest.slice(questionIdx, hashIdx);
        this.query = rest.slice(questionIdx + 1, hashIdx);
      }
      if (parseQueryString) this.query = qs.parse(this.query);
    } else if (parseQueryString) {
      this.search = null;
      this.query = { __proto__: null };
    }
    const useQuestionIdx = questionIdx !== -1 && (hashIdx === -1 || questionIdx < hashIdx);
    const firstIdx = useQuestionIdx ? questionIdx : hashIdx;
    if (firstIdx === -1) {
      if (rest.length > 0) this.pathname = rest;
    } else if (firstIdx > 0) {
      this.pathname = rest.slice(0, firstIdx);
    }
    if (slashedProtocol.has(lowerProto) && this.hostname && !this.pathname) this.pathname = '/';
    if (this.pathname || this.search) this.path = (this.pathname || '') + (this.search || '');
    this.href = this.format();
    return this;
  };

  Url.prototype.parseHost = function parseHost() {
    let host = this.host;
    let port = portPattern.exec(host);
    if (port) {
      port = port[0];
      if (port !== ':') this.port = port.slice(1);
      host = host.slice(0, host.length - port.length);
    }
    if (host) this.hostname = host;
  };

  Url.prototype.format = function format() {
    let auth = this.auth || '';
    if (auth) {
      auth = encodeURIComponent(auth).replaceAll('%3A', ':');
      auth += '@';
    }
    let protocol = this.protocol || '';
    let pathname = this.pathname || '';
    let hash = this.hash || '';
    let host = '';
    let query = '';
    if (this.host) {
      host = auth + this.host;
    } else if (this.hostname) {
      host = auth + (this.hostname.includes(':') && !(this.hostname[0] === '[') ? '[' + this.hostname + ']' : this.hostname);
      if (this.port) host += ':' + this.port;
    }
    if (this.query !== null && typeof this.query === 'object') query = require('querystring').stringify(this.query);
    let search = this.search || (query && ('?' + query)) || '';
    if (protocol && protocol.charCodeAt(protocol.length - 1) !== 58) protocol += ':';
    pathname = pathname.replace(/[#?]/g, (c) => encodeURIComponent(c));
    if (this.slashes || slashedProtocol.has(protocol)) {
      if (this.slashes || host) {
        if (pathname && pathname.charCodeAt(0) !== 47) pathname = '/' + pathname;
        host = '//' + host;
      } else if (protocol.length >= 4 && protocol.charCodeAt(0) === 102 && protocol.charCodeAt(1) === 105 &&
                 protocol.charCodeAt(2) === 108 && protocol.charCodeAt(3) === 101) {
        host = '//';
      }
    }
    search = search.replaceAll('#', '%23');
    if (hash && hash.charCodeAt(0) !== 35) hash = '#' + hash;
    if (search && search.charCodeAt(0) !== 63) search = '?' + search;
    return protocol + host + pathname + search + hash;
  };

  Url.prototype.resolve = function resolve(relative) {
    return urlResolve(this.format(), relative);
  };

  function urlFormat(urlObject, options) {
    if (typeof urlObject === 'string') urlObject = urlParse(urlObject);
    else if (typeof urlObject !== 'object' || urlObject === null) {
      throw internal.argType('urlObject', 'one of type object or string', urlObject);
    } else if (urlObject instanceof URL) {
      const o = { fragment: true, unicode: false, search: true, auth: true, ...options };
      const u = { ...urlObject._record };
      if (!o.auth) { u.username = ''; u.password = ''; }
      if (!o.search) u.query = null;
      if (!o.fragment) u.fragment = null;
      return serialize(u);
    }
    return Url.prototype.format.call(urlObject);
  }

  function urlResolve(source, relative) {
    const resolved = new URL(relative, new URL(source, 'resolve://'));
    if (resolved.protocol === 'resolve:') {
      const { pathname, search, hash } = resolved;
      return pathname + search + hash;
    }
    return resolved.toString();
  }

  function fileURLToPath(path) {
    const u = typeof path === 'string' ? new URL(path) : path;
    if (!(u instanceof URL)) throw internal.argType('path', 'of type string or an instance of URL', path);
    if (u.protocol !== 'file:') throw internal.codeError(TypeError, 'ERR_INVALID_URL_SCHEME', 'The URL must be of scheme file');
    if (u.hostname !== '') throw internal.codeError(TypeError, 'ERR_INVALID_FILE_URL_HOST', 'File URL host must be "localhost" or empty on linux');
    const pathname = u.pathname;
    if (/%2f/i.test(pathname)) throw internal.codeError(TypeError, 'ERR_INVALID_FILE_URL_PATH', 'File URL path must not include encoded / characters');
    return decodeURIComponent(pathname);
  }
  function pathToFileURL(filepath) {
    const resolved = require('path').resolve(filepath);
    const u = new URL('file://');
    u.pathname = resolved.replaceAll('%', '%25').replaceAll('\\', '%5C').replaceAll('\n', '%0A').replaceAll('\r', '%0D').replaceAll('\t', '%09') +
      (filepath.endsWith('/') && !resolved.endsWith('/') ? '/' : '');
    return u;
  }

  Object.assign(exports, {
    URL, URLSearchParams, Url,
    parse: urlParse, format: urlFormat, resolve: urlResolve,
    resolveObject: (source, relative) => urlParse(urlResolve(source, relative)),
    domainToASCII: (d) => { const h = parseHost(String(d), false); return h === null ? '' : h; },
    domainToUnicode: (d) => {
      const h = parseHost(String(d), false);
      return h === null ? '' : h.startsWith('[') ? h : h.split('.').map(labelToUnicode).join('.');
    },
    fileURLToPath, pathToFileURL,
    urlToHttpOptions: (u) => ({
      protocol: u.protocol, hostname: u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname,
      hash: u.hash, search: u.search, pathname: u.pathname, path: `${u.pathname || ''}${u.search || ''}`, href: u.href,
      ...(u.port !== '' ? { port: Number(u.port) } : {}),
      ...(u.username || u.password ? { auth: `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}` } : {}),
    }),
  });
});
