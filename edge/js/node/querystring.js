// require('querystring'): Node's exact parse/stringify/escape/unescape output.
defineBuiltin('querystring', function (exports, require, module, internal) {
  const noEscape = new Int8Array(128);
  for (const c of "!'()*-._~") noEscape[c.charCodeAt(0)] = 1;
  for (let i = 48; i < 58; i++) noEscape[i] = 1;
  for (let i = 65; i < 91; i++) { noEscape[i] = 1; noEscape[i + 32] = 1; }
  const hexTable = new Array(256);
  for (let i = 0; i < 256; ++i) hexTable[i] = '%' + ((i < 16 ? '0' : '') + i.toString(16)).toUpperCase();

  function encodeStr(str, table) {
    const len = str.length;
    if (len === 0) return '';
    let out = '';
    let lastPos = 0;
    for (let i = 0; i < len; i++) {
      let c = str.charCodeAt(i);
      if (c < 0x80) {
        if (table[c] === 1) continue;
        if (lastPos < i) out += str.slice(lastPos, i);
        lastPos = i + 1;
        out += hexTable[c];
        continue;
      }
      if (lastPos < i) out += str.slice(lastPos, i);
      if (c < 0x800) {
        lastPos = i + 1;
        out += hexTable[0xC0 | (c >> 6)] + hexTable[0x80 | (c & 0x3F)];
        continue;
      }
      if (c < 0xD800 || c >= 0xE000) {
        lastPos = i + 1;
        out += hexTable[0xE0 | (c >> 12)] + hexTable[0x80 | ((c >> 6) & 0x3F)] + hexTable[0x80 | (c & 0x3F)];
        continue;
      }
      ++i;
      if (i >= len) throw internal.codeError(URIError, 'ERR_INVALID_URI', 'URI malformed');
      const c2 = str.charCodeAt(i) & 0x3FF;
      lastPos = i + 1;
      c = 0x10000 + (((c & 0x3FF) << 10) | c2);
      out += hexTable[0xF0 | (c >> 18)] + hexTable[0x80 | ((c >> 12) & 0x3F)] +
        hexTable[0x80 | ((c >> 6) & 0x3F)] + hexTable[0x80 | (c & 0x3F)];
    }
    if (lastPos === 0) return str;
    if (lastPos < len) return out + str.slice(lastPos);
    return out;
  }

  function qsEscape(str) {
    if (typeof str !== 'string') {
      if (typeof str === 'object') str = String(str);
      else str += '';
    }
    return encodeStr(str, noEscape);
  }

  const unhex = (c) => {
    if (c >= 48 && c <= 57) return c - 48;
    if (c >= 65 && c <= 70) return c - 55;
    if (c >= 97 && c <= 102) return c - 87;
    return -1;
  };

  function unescapeBuffer(s, decodeSpaces) {
    const Buffer = require('buffer').Buffer;
    const out = Buffer.allocUnsafe(s.length);
    let index = 0;
    let outIndex = 0;
    let currentChar;
    let nextChar;
    let hexHigh;
    let hexLow;
    const maxLength = s.length - 2;
    let hasHex = false;
    while (index < s.length) {
      currentChar = s.charCodeAt(index);
      if (currentChar === 43 /* '+' */ && decodeSpaces) {
        out[outIndex++] = 32;
        index++;
        continue;
      }
      if (currentChar === 37 /* '%' */ && index < maxLength) {
        currentChar = s.charCodeAt(++index);
        hexHigh = unhex(currentChar);
        if (!(hexHigh >= 0)) {
          out[outIndex++] = 37;
          continue;
        } else {
          nextChar = s.charCodeAt(++index);
          hexLow = unhex(nextChar);
          if (!(hexLow >= 0)) {
            out[outIndex++] = 37;
            index--;
          } else {
            hasHex = true;
            currentChar = hexHigh * 16 + hexLow;
          }
        }
      }
      out[outIndex++] = currentChar;
      index++;
    }
    return hasHex ? out.slice(0, outIndex) : out;
  }

  function qsUnescape(s, decodeSpaces) {
    try {
      return decodeURIComponent(s);
    } catch {
      return module.exports.unescapeBuffer(s, decodeSpaces).toString();
    }
  }

  function stringifyPrimitive(v) {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && isFinite(v)) return '' + v;
    if (typeof v === 'bigint') return '' + v;
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    return '';
  }
  function encodeStringified(v, encode) {
    if (typeof v === 'string') return v.length ? encode(v) : '';
    if (typeof v === 'number' && isFinite(v)) return Math.abs(v) < 1e21 ? '' + v : encode('' + v);
    if (typeof v === 'bigint') return '' + v;
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    return '';
  }
  function encodeStringifiedCustom(v, encode) { return encode(stringifyPrimitive(v)); }

  function stringify(obj, sep, eq, options) {
    sep = sep || '&';
    eq = eq || '=';
    let encode = module.exports.escape;
    if (options && typeof options.encodeURIComponent === 'function') encode = options.encodeURIComponent;
    const convert = encode === qsEscape ? encodeStringified : encodeStringifiedCustom;
    if (obj !== null && typeof obj === 'object') {
      const keys = Object.keys(obj);
      let fields = '';
      for (let i = 0; i < keys.length; ++i) {
        const k = keys[i];
        const v = obj[k];
        let ks = convert(k, encode);
        ks += eq;
        if (Array.isArray(v)) {
          if (v.length === 0) continue;
          if (fields) fields += sep;
          for (let j = 0; j < v.length; ++j) {
            if (j) fields += sep;
            fields += ks;
            fields += convert(v[j], encode);
          }
        } else {
          if (fields) fields += sep;
          fields += ks;
          fields += convert(v, encode);
        }
      }
      return fields;
    }
    return '';
  }

  function decodeStr(s, decoder) {
    try {
      return decoder(s);
    } catch {
      return module.exports.unescape(s, true);
    }
  }

  function addKeyVal(obj, key, value, keyEncoded, valEncoded, decode) {
    if (key.length > 0 && keyEncoded) key = decodeStr(key, decode);
    if (value.length > 0 && valEncoded) value = decodeStr(value, decode);
    if (obj[key] === undefined) {
      obj[key] = value;
    } else {
      const cur = obj[key];
      if (cur.pop) cur[cur.length] = value;
      else obj[key] = [cur, value];
    }
  }

  // Node's walk below, a piece at a time with the string's own searches: one character at a time
  // it costs the interpreter ~3,600 fuel a character (2.7 billion for a 750 KB form body). For
  // one-character separators and the default decoder, with the walk's results: a key or value is
  // decoded when it holds '%' and two hex digits ('+' between them does not count in a value),
  // and so is the value when the key holds a second such escape (the walk reads the rest of the
  // key with the value's check).
  const PERCENT_HEX = /%[0-9a-fA-F]{2}/;
  function parsePieces(obj, qs, sep, eq, pairs) {
    const len = qs.length;
    let pos = 0;
    for (;;) {
      let end = qs.indexOf(sep, pos);
      const last = end === -1;
      if (last) end = len;
      if (end === pos) {
        if (last || --pairs === 0) return obj;
        pos = end + 1;
        continue;
      }
      const piece = qs.slice(pos, end);
      const eqAt = piece.indexOf(eq);
      let key = eqAt === -1 ? piece : piece.slice(0, eqAt);
      let value = eqAt === -1 ? '' : piece.slice(eqAt + 1);
      const escape = key.includes('%') ? PERCENT_HEX.exec(key) : null;
      const hasPlus = value.includes('+');
      const valEncoded = (value.includes('%') && PERCENT_HEX.test(hasPlus ? value.replaceAll('+', '') : value)) ||
        (escape !== null && PERCENT_HEX.test(key.slice(escape.index + 3).replaceAll('+', '')));
      if (key.includes('+')) key = key.replaceAll('+', ' ');
      if (hasPlus) value = value.replaceAll('+', ' ');
      addKeyVal(obj, key, value, escape !== null, valEncoded, qsUnescape);
      if (last || --pairs === 0) return obj;
      pos = end + 1;
    }
  }

  // The same walk as Node's: '+' becomes '%20', and only pieces holding '%' or '+' are decoded.
  function parse(qs, sep, eq, options) {
    const obj = { __proto__: null };
    if (typeof qs !== 'string' || qs.length === 0) return obj;
    sep = sep ? String(sep) : '&';
    eq = eq ? String(eq) : '=';
    let pairs = 1000;
    if (options && typeof options.maxKeys === 'number') pairs = options.maxKeys > 0 ? options.maxKeys : 0;
    if (pairs === 0) pairs = Infinity;
    let decode = module.exports.unescape;
    if (options && typeof options.decodeURIComponent === 'function') decode = options.decodeURIComponent;
    if (decode === qsUnescape && sep.length === 1 && eq.length === 1 && sep !== eq) return parsePieces(obj, qs, sep, eq, pairs);
    let lastPos = 0;
    let sepIdx = 0;
    let eqIdx = 0;
    let key = '';
    let value = '';
    let keyEncoded = decode !== qsUnescape;
    let valEncoded = decode !== qsUnescape;
    const plusChar = decode !== qsUnescape ? '%20' : ' ';
    let encodeCheck = 0;
    const sepCodes = Array.from(sep, (c) => c.charCodeAt(0));
    const eqCodes = Array.from(eq, (c) => c.charCodeAt(0));
    for (let i = 0; i < qs.length; ++i) {
      const code = qs.charCodeAt(i);
      if (code === sepCodes[sepIdx]) {
        if (++sepIdx === sepCodes.length) {
          const end = i - sepIdx + 1;
          if (eqIdx < eqCodes.length) {
            if (lastPos < end) key += qs.slice(lastPos, end);
            else if (key.length === 0) {
              if (--pairs === 0) return obj;
              lastPos = i + 1;
              sepIdx = eqIdx = 0;
              continue;
            }
          } else if (lastPos < end) {
            value += qs.slice(lastPos, end);
          }
          addKeyVal(obj, key, value, keyEncoded, valEncoded, decode);
          if (--pairs === 0) return obj;
          keyEncoded = valEncoded = decode !== qsUnescape;
          key = value = '';
          encodeCheck = 0;
          lastPos = i + 1;
          sepIdx = eqIdx = 0;
        }
      } else {
        sepIdx = 0;
        if (eqIdx < eqCodes.length) {
          if (code === eqCodes[eqIdx]) {
            if (++eqIdx === eqCodes.length) {
              const end = i - eqIdx + 1;
              if (lastPos < end) key += qs.slice(lastPos, end);
              encodeCheck = 0;
              lastPos = i + 1;
            }
            continue;
          } else {
            eqIdx = 0;
            if (!keyEncoded) {
              if (code === 37) { encodeCheck = 1; continue; }
              else if (encodeCheck > 0) {
                if (unhex(code) >= 0) {
                  if (++encodeCheck === 3) keyEncoded = true;
                  continue;
                } else {
                  encodeCheck = 0;
                }
              }
            }
          }
          if (code === 43) {
            if (lastPos < i) key += qs.slice(lastPos, i);
            key += plusChar;
            lastPos = i + 1;
            continue;
          }
        }
        if (code === 43) {
          if (lastPos < i) value += qs.slice(lastPos, i);
          value += plusChar;
          lastPos = i + 1;
        } else if (!valEncoded) {
          if (code === 37) {
            encodeCheck = 1;
          } else if (encodeCheck > 0) {
            if (unhex(code) >= 0) {
              if (++encodeCheck === 3) valEncoded = true;
            } else {
              encodeCheck = 0;
            }
          }
        }
      }
    }
    if (lastPos < qs.length) {
      if (eqIdx < eqCodes.length) key += qs.slice(lastPos);
      else if (sepIdx < sepCodes.length) value += qs.slice(lastPos);
    } else if (eqIdx === 0 && key.length === 0) {
      return obj;
    }
    addKeyVal(obj, key, value, keyEncoded, valEncoded, decode);
    return obj;
  }

  Object.assign(exports, {
    unescapeBuffer, unescape: qsUnescape, escape: qsEscape, stringify, encode: stringify, parse, decode: parse,
  });
  internal.encodeStr = encodeStr;
});
