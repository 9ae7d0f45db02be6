"""zlib's errors and partial output in the sandbox against real Node.

Node passes zlib's own outcome through: a truncated gzip, zlib or raw stream is `Z_BUF_ERROR`
(errno -5) 'unexpected end of file', a bad CRC or Adler-32 'incorrect data check', a bad length
'incorrect length check', a bad method 'unknown compression method', a corrupt stream 'invalid
distances set', 'invalid block type', 'invalid stored block lengths', ... (`Z_DATA_ERROR`, -3), a
preset dictionary 'Missing dictionary' (`Z_NEED_DICT`, 2). With `finishFlush` other than
`Z_FINISH` a truncated stream gives the output decoded so far (how a body cut at its size limit is
read), and `{info: true}` gives `{buffer, engine}`. The edge decompresses with libdeflate, which
says only that data is bad; where it fails the engine reads the input as zlib does. The streams are
made by Python's zlib (so both sides read the same bytes), then cut, corrupted byte by byte and
crafted bit by bit; every case's output (its length and SHA-256) or error (message, code, errno)
must be Node's."""

from __future__ import annotations

import base64
import json
import random
import zlib

import pytest

from .js_helpers import answer_and_fuel, assert_same_as_node, compared_case_fixtures

CASES_JS = r"""'use strict';
const zlib = require('zlib');
const crypto = require('crypto');
function show(v) {
  if (Buffer.isBuffer(v)) return `${v.length} ${crypto.createHash('sha256').update(v).digest('hex').slice(0, 16)}`;
  if (v && Buffer.isBuffer(v.buffer)) {
    return `info ${Object.keys(v).join(',')} ${show(v.buffer)} ${v.engine.constructor.name} ${v.engine.bytesWritten}`;
  }
  return JSON.stringify(v);
}
function outcome(f) {
  try {
    return show(f());
  } catch (e) {
    return `${e.name}|${e.message}|${e.code}|${e.errno}|${Object.keys(e).join(',')}`;
  }
}
const SYNC = zlib.constants.Z_SYNC_FLUSH;
exports.run = (fx) => {
  const out = {};
  const add = (name, f) => { out[name] = outcome(f); };
  const streams = {};
  for (const [name, b64] of Object.entries(fx.streams)) streams[name] = Buffer.from(b64, 'base64');
  const FNS = { gzip: ['gunzipSync', 'unzipSync'], zlib: ['inflateSync', 'unzipSync'], raw: ['inflateRawSync'] };
  for (const [name, data] of Object.entries(streams)) {
    const kind = name.split('/')[0];
    const fns = FNS[kind] || ['gunzipSync', 'inflateSync', 'inflateRawSync', 'unzipSync'];
    const cuts = new Set([0, 1, 2, 3, 5, 9, 10, 11, 12, 20, data.length >> 2, data.length >> 1, data.length - 9, data.length - 8,
      data.length - 5, data.length - 4, data.length - 1].filter((n) => n >= 0 && n < data.length));
    for (const fn of fns) {
      add(`${name}/${fn}`, () => zlib[fn](data));
      add(`${name}/${fn}/info`, () => zlib[fn](data, { info: true }));
      for (const n of cuts) {
        add(`${name}/${fn}/cut ${n}`, () => zlib[fn](data.subarray(0, n)));
        add(`${name}/${fn}/cut ${n} sync`, () => zlib[fn](data.subarray(0, n), { finishFlush: SYNC }));
      }
      if (fx.corrupt.includes(name)) {
        for (let i = 0; i < data.length; i += Math.max(1, Math.floor(data.length / 120))) {
          for (const x of [0xff, 0x10]) {
            const b = Buffer.from(data);
            b[i] ^= x;
            add(`${name}/${fn}/xor ${i} ${x}`, () => zlib[fn](b));
          }
        }
      }
    }
  }
  const gz = streams['gzip/text'];
  for (const ff of [0, 1, 2, 3, 4, 5]) {
    add(`finishFlush ${ff}`, () => zlib.gunzipSync(gz.subarray(0, gz.length >> 1), { finishFlush: ff }));
    add(`finishFlush ${ff} whole`, () => zlib.gunzipSync(gz, { finishFlush: ff }));
    add(`finishFlush ${ff} inflateRaw`, () => zlib.inflateRawSync(streams['raw/text'].subarray(0, 100), { finishFlush: ff }));
  }
  for (const ff of [9, -1, 'x', NaN, Infinity, null]) {
    add(`finishFlush ${String(ff)}`, () => zlib.gunzipSync(gz, { finishFlush: ff }));
  }
  add('deflateSync info', () => zlib.deflateSync(Buffer.from('hello'), { info: true }).engine.bytesWritten);
  add('gzipSync info', () => [Object.keys(zlib.gzipSync('hello', { info: true })), zlib.gzipSync('hello', { info: true }).engine.constructor.name]);
  add('gunzip garbage after', () => zlib.gunzipSync(Buffer.concat([gz, Buffer.from('garbage')])));
  add('gunzip zeros then garbage', () => zlib.gunzipSync(Buffer.concat([gz, Buffer.from([0, 1, 2, 3])]), { info: true }));
  add('gunzip two members', () => zlib.gunzipSync(Buffer.concat([gz, gz]), { info: true }));
  add('gunzip two members second cut', () => zlib.gunzipSync(Buffer.concat([gz, gz.subarray(0, 50)])));
  add('gunzip two members second cut sync', () => zlib.gunzipSync(Buffer.concat([gz, gz.subarray(0, 50)]), { finishFlush: SYNC }));
  add('inflate garbage after', () => zlib.inflateSync(Buffer.concat([streams['zlib/text'], Buffer.from('garbage')]), { info: true }));
  add('maxOutputLength', () => zlib.gunzipSync(gz, { maxOutputLength: 100 }));
  add('maxOutputLength cut', () => zlib.gunzipSync(gz.subarray(0, 200), { maxOutputLength: 100 }));
  return out;
};
"""

INDEX_JS = r"""'use strict';
const cases = require('./cases.js');
const fixtures = require('./fixtures.json');
exports.handler = async () => ({ status: '200', body: JSON.stringify(cases.run(fixtures)) });
"""


def _bits(fields: list[tuple[int, int]]) -> bytes:
    """Deflate's bit packing: (value, bit count) pairs, least significant bit first."""
    acc, n, out = 0, 0, bytearray()
    for value, count in fields:
        acc |= value << n
        n += count
        while n >= 8:
            out.append(acc & 255)
            acc >>= 8
            n -= 8
    if n:
        out.append(acc)
    return bytes(out)


def _gzip(raw: bytes, data: bytes, flags: int = 0, method: int = 8, header_extra: bytes = b"") -> bytes:
    header = bytes([0x1F, 0x8B, method, flags, 0, 0, 0, 0, 0, 3]) + header_extra
    return header + raw + zlib.crc32(data).to_bytes(4, "little") + (len(data) & 0xFFFFFFFF).to_bytes(4, "little")


def make_fixtures() -> dict:
    rng = random.Random(7)
    words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(400)]
    text = b" ".join(rng.choice(words) for _ in range(9000))  # ~50 KB: several dynamic blocks
    short = b"hello, edge"

    def raw(data: bytes, level: int = 6) -> bytes:
        c = zlib.compressobj(level, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush()

    def zl(data: bytes, level: int = 6) -> bytes:
        return zlib.compress(data, level)

    streams = {
        "gzip/text": _gzip(raw(text), text), "zlib/text": zl(text), "raw/text": raw(text),
        "gzip/short": _gzip(raw(short), short), "zlib/short": zl(short), "raw/short": raw(short),  # fixed Huffman
        "gzip/stored": _gzip(raw(text[:3000], 0), text[:3000]), "zlib/stored": zl(text[:3000], 0),
        "raw/stored": raw(text[:3000], 0), "gzip/empty": _gzip(raw(b""), b""),
    }
    g = streams["gzip/short"]
    streams["gzip/bad crc"] = g[:-8] + bytes([g[-8] ^ 1]) + g[-7:]
    streams["gzip/bad length"] = g[:-1] + bytes([g[-1] ^ 1])
    streams["gzip/bad method"] = _gzip(raw(short), short, method=7)
    streams["gzip/reserved flags"] = _gzip(raw(short), short, flags=0x20)
    streams["gzip/bad magic"] = b"\x1f\x8c" + g[2:]
    head = bytes([0x1F, 0x8B, 8, 0x1E, 0, 0, 0, 0, 0, 3]) + b"\x03\x00abc" + b"name\x00" + b"comment\x00"
    streams["gzip/fhcrc ok"] = head + (zlib.crc32(head) & 0xFFFF).to_bytes(2, "little") + raw(short) + g[-8:]
    streams["gzip/fhcrc bad"] = head + ((zlib.crc32(head) + 1) & 0xFFFF).to_bytes(2, "little") + raw(short) + g[-8:]
    z = streams["zlib/short"]
    streams["zlib/bad adler"] = z[:-1] + bytes([z[-1] ^ 1])
    streams["zlib/bad check"] = bytes([z[0], z[1] ^ 1]) + z[2:]
    cmf = 0x77  # CM 7
    streams["zlib/bad method"] = bytes([cmf, (31 - (cmf * 256) % 31) % 31]) + z[2:]
    cmf = 0x88  # CINFO 8: a 64 KiB window
    streams["zlib/window"] = bytes([cmf, (31 - (cmf * 256) % 31) % 31]) + z[2:]
    d = zlib.compressobj(6, zlib.DEFLATED, 15, 8, zlib.Z_DEFAULT_STRATEGY, zdict=b"hello")
    streams["zlib/dictionary"] = d.compress(short) + d.flush()
    # crafted raw streams, bit by bit
    streams["raw/block type 3"] = _bits([(1, 1), (3, 2)])
    streams["raw/stored lengths"] = _bits([(1, 1), (0, 2), (0, 5)]) + b"\x05\x00\x00\x00hello"
    streams["raw/too many symbols"] = _bits([(1, 1), (2, 2), (30, 5), (0, 5), (0, 4), (0, 16)])
    streams["raw/code lengths set"] = _bits([(1, 1), (2, 2), (0, 5), (0, 5), (0, 4)] + [(1, 3)] * 4 + [(0, 16)])
    # dynamic: code-length code {1: symbol 0... } built so the distance lengths over-subscribe
    # code length code: symbols 1 and 2 and 18 of 2 bits, 0 of 2 bits: order 16,17,18,0,8,7,9,6,10,5,11,4,12,3,13,2,14,1
    cl = {18: 2, 0: 2, 1: 2, 2: 2}
    order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
    hclen = 19
    codes = {0: 0b00, 1: 0b01, 2: 0b10, 18: 0b11}  # canonical: all 2 bits, in symbol order

    def sym(s: int) -> tuple[int, int]:
        c = codes[s]
        return (int(f"{c:02b}"[::-1], 2), 2)  # Huffman codes go most significant bit first

    lit = [sym(0)] * 0
    # literal/length lengths: 256 symbols 0..255 length 0 except 'a'(97) 1, 256 (end) 1: 97 zeros, 1, 158 zeros, 1
    lit += [sym(18), (97 - 11, 7), sym(1)]
    lit += [sym(18), (138 - 11, 7), sym(18), (20 - 11, 7), sym(1)]
    dist_over = [sym(1), sym(1), sym(1)]  # three codes of one bit: over-subscribed
    header = [(0, 1), (2, 2), (0, 5), (3 - 1, 5), (hclen - 4, 4)] + [(cl.get(s, 0), 3) for s in order]
    streams["raw/distances set"] = _bits([(1, 1)] + header[1:] + lit + dist_over + [(0, 16)])
    dist_ok = [sym(1), sym(1), sym(0)]
    streams["raw/dynamic cut"] = _bits([(1, 1)] + header[1:] + lit + dist_ok + [(1, 1), (0, 1)] * 0 + [(0, 16)])
    lit_over = [sym(18), (97 - 11, 7), sym(1), sym(1), sym(1)]
    streams["raw/literal set"] = _bits([(1, 1)] + header[1:] + lit_over + [sym(18), (138 - 11, 7), sym(18), (17 - 11, 7), sym(1)]
                                       + dist_ok + [(0, 16)])
    no_end = [sym(18), (97 - 11, 7), sym(1), sym(1), sym(18), (138 - 11, 7), sym(18), (20 - 11, 7)]
    streams["raw/missing end"] = _bits([(1, 1)] + header[1:] + no_end + dist_ok + [(0, 16)])
    streams["raw/repeat first"] = _bits([(1, 1), (2, 2), (0, 5), (0, 5), (hclen - 4, 4)]
                                        + [(2 if s in (16, 0, 1, 2) else 0, 3) for s in order] + [(3, 2), (0, 2)] + [(0, 16)])
    streams["raw/fixed bad distance"] = _bits([(1, 1), (1, 2), (0b00110000 >> 0, 0)] + [(int("00110001"[::-1], 2), 8)]
                                              + [(int("0000001"[::-1], 2), 7), (int("11110"[::-1], 2), 5), (0, 16)])
    streams["raw/fixed bad literal"] = _bits([(1, 1), (1, 2), (int("11000110"[::-1], 2), 8), (0, 16)])
    streams["raw/fixed far"] = _bits([(1, 1), (1, 2), (int("0000001"[::-1], 2), 7), (0, 5), (0, 16)])
    corrupt = ["gzip/text", "zlib/short", "raw/text", "raw/stored"]
    return {"streams": {k: base64.b64encode(v).decode() for k, v in streams.items()}, "corrupt": corrupt}


sources, node_results, function = compared_case_fixtures("zlib_errors", lambda: {"cases.js": CASES_JS, "index.js": INDEX_JS,
                                                                                   "fixtures.json": json.dumps(make_fixtures())})


@pytest.fixture(scope="module")
def edge_results(function) -> dict:  # type: ignore[no-untyped-def]
    return answer_and_fuel(function, "/cases")[0]


def test_zlib_outcomes_are_nodes(edge_results, node_results):  # type: ignore[no-untyped-def]
    assert_same_as_node(edge_results, node_results, shown=10)


def test_the_cases_test_what_they_say(node_results):  # type: ignore[no-untyped-def]
    r = node_results
    assert r["gzip/text/gunzipSync/cut 20"] == "Error|unexpected end of file|Z_BUF_ERROR|-5|errno,code"
    assert not r["gzip/text/gunzipSync/cut 20 sync"].startswith("Error")
    assert r["gzip/bad crc/gunzipSync"] == "Error|incorrect data check|Z_DATA_ERROR|-3|errno,code"
    assert r["gzip/bad length/gunzipSync"] == "Error|incorrect length check|Z_DATA_ERROR|-3|errno,code"
    assert r["gzip/bad method/gunzipSync"] == "Error|unknown compression method|Z_DATA_ERROR|-3|errno,code"
    assert r["zlib/dictionary/inflateSync"] == "Error|Missing dictionary|Z_NEED_DICT|2|errno,code"
    expected = {"raw/block type 3": "invalid block type", "raw/stored lengths": "invalid stored block lengths",
                "raw/too many symbols": "too many length or distance symbols",
                "raw/code lengths set": "invalid code lengths set", "raw/distances set": "invalid distances set",
                "raw/literal set": "invalid literal/lengths set", "raw/missing end": "invalid code -- missing end-of-block",
                "raw/repeat first": "invalid bit length repeat", "raw/fixed bad distance": "invalid distance code",
                "raw/fixed far": "invalid distance too far back",
                "raw/fixed bad literal": "invalid literal/length code", "zlib/bad adler": "incorrect data check",
                "zlib/bad check": "incorrect header check", "zlib/window": "invalid window size",
                "gzip/fhcrc bad": "header crc mismatch", "gzip/reserved flags": "unknown header flags set"}
    for name, message in expected.items():
        fn = {"raw": "inflateRawSync", "zlib": "inflateSync", "gzip": "gunzipSync"}[name.split("/")[0]]
        assert r[f"{name}/{fn}"].split("|")[1] == message, (name, r[f"{name}/{fn}"])
    assert r["gzip/fhcrc ok/gunzipSync"] == r["gzip/short/gunzipSync"]
    messages = {v.split("|")[1] for v in r.values() if v.startswith("Error|")}
    assert len(messages) >= 15, messages
