"""zlib.inflateRawSync of corrupt raw deflate streams in the sandbox against real Node.

A raw stream has no check value, so what libdeflate decodes and zlib refuses came out as data: a
fixed block's literal/length codes 286 and 287 and distance codes 30 and 31, the unused half of a
one-code Huffman code, ... (zlib: 'invalid literal/length code', 'invalid distance code', ...).
The engine now reads each raw stream libdeflate took as zlib would (edge_js.c, zi_blocks with
`check`) and gives zlib's error where that fails. The cases: the review's stream (raw106.bin: Node
'invalid literal/length code', the edge 1,572 bytes), fixed blocks crafted bit by bit with such a
code followed by a proper end, and seeded corruptions of fixed-Huffman, dynamic and stored raw
streams; each outcome (output length and SHA-256, or the error) must be Node's. Then what a valid
64 KB raw inflate costs."""

from __future__ import annotations

import base64
import json
import random
import zlib

import pytest

from .js_helpers import answer_and_fuel, build, node, roomy_function

REVIEW_RAW106 = "y0jNyclXyEAiy/OLclJQREbFR8VHxQenuEJlRXlZaUlxUWFBfl5uTnZWZkZ6WmpKclJiQnxcbEx0VGSW/VhoSHBQYIC/n6+Pt5enh7ubq4uzk6ODvZ2tjbWVpYW5mamJsZGhgb6ero62lqaGupqqirKS4vAzGQA="

CASES_JS = r"""'use strict';
const zlib = require('zlib');
const crypto = require('crypto');
function outcome(f) {
  try {
    const v = f();
    return `${v.length} ${crypto.createHash('sha256').update(v).digest('hex').slice(0, 16)}`;
  } catch (e) {
    return `${e.name}|${e.message}|${e.code}|${e.errno}`;
  }
}
exports.run = (fx) => {
  const out = {};
  for (const [name, b64] of Object.entries(fx.streams)) {
    const data = Buffer.from(b64, 'base64');
    out[name] = outcome(() => zlib.inflateRawSync(data));
    out[`${name} sync`] = outcome(() => zlib.inflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH }));
  }
  return out;
};
"""

INDEX_JS = r"""'use strict';
const zlib = require('zlib');
const cases = require('./cases');
const fixtures = require('./fixtures.json');
const big = Buffer.from(fixtures.big, 'base64');
exports.handler = async (event) => {
  const parts = event.Records[0].cf.request.uri.split('/');
  let body;
  if (parts[1] === 'inflate') {
    let s = 0;
    for (let i = 0; i < Number(parts[2]); i++) s += zlib.inflateRawSync(big).length;
    body = s;
  } else body = cases.run(fixtures);
  return { status: '200', body: JSON.stringify(body) };
};
"""


def _bits(fields: list[tuple[int, int]]) -> bytes:
    """(value, bit count) fields packed least significant bit first, as deflate's headers are"""
    acc = nbits = 0
    for value, n in fields:
        acc |= value << nbits
        nbits += n
    return acc.to_bytes((nbits + 7) // 8, "little")


def _fixed(sym: int) -> tuple[int, int]:
    """a fixed-Huffman literal/length code (most significant bit first, so reversed)"""
    if sym < 144:
        code, n = 0x30 + sym, 8
    elif sym < 256:
        code, n = 0x190 + sym - 144, 9
    elif sym < 280:
        code, n = sym - 256, 7
    else:
        code, n = 0xC0 + sym - 280, 8
    return int(f"{code:0{n}b}"[::-1], 2), n


def _dist(d: int) -> tuple[int, int]:
    return int(f"{d:05b}"[::-1], 2), 5


def _codes(lengths: list[int]) -> dict[int, tuple[int, int]]:
    """the canonical Huffman code (RFC 1951 3.2.2) of each symbol with a length, reversed for packing"""
    count = [lengths.count(n) for n in range(16)]
    count[0] = 0
    code, nxt = 0, [0] * 16
    for n in range(1, 16):
        code = (code + count[n - 1]) << 1
        nxt[n] = code
    out = {}
    for sym, n in enumerate(lengths):
        if n:
            out[sym] = (int(f"{nxt[n]:0{n}b}"[::-1], 2), n)
            nxt[n] += 1
    return out


def _dynamic(lit: dict[int, int], dist: dict[int, int], nlen: int, ndist: int, body) -> bytes:  # type: ignore[no-untyped-def]
    """one final dynamic block: code lengths written one by one (a code-length code of 16 four-bit codes),
    then body(litcodes, distcodes) -> its fields"""
    lit_lengths = [lit.get(i, 0) for i in range(nlen)]
    dist_lengths = [dist.get(i, 0) for i in range(ndist)]
    pre = _codes([4] * 16)
    order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
    fields = [(1, 1), (2, 2), (nlen - 257, 5), (ndist - 1, 5), (19 - 4, 4)]
    fields += [(4 if sym < 16 else 0, 3) for sym in order]
    fields += [pre[n] for n in lit_lengths + dist_lengths]
    return _bits(fields + body(_codes(lit_lengths), _codes(dist_lengths)) + [(0, 16)])


def _raw(data: bytes, level: int = 6, strategy: int = zlib.Z_DEFAULT_STRATEGY) -> bytes:
    c = zlib.compressobj(level, zlib.DEFLATED, -15, 8, strategy)
    return c.compress(data) + c.flush()


def make_fixtures() -> dict:
    rng = random.Random(106)
    words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(300)]
    text = b" ".join(rng.choice(words) for _ in range(12000))
    a, b, end = _fixed(97), _fixed(98), _fixed(256)
    streams = {
        "review raw106": REVIEW_RAW106,
        "fixed 286 then end": _bits([(1, 1), (1, 2), a, _fixed(286), b, end]),
        "fixed 287 then end": _bits([(1, 1), (1, 2), a, _fixed(287), end]),
        "fixed distance 30 then end": _bits([(1, 1), (1, 2), a, b, _fixed(257), _dist(30), (0, 13), end]),
        "fixed distance 31 then end": _bits([(1, 1), (1, 2), a, b, _fixed(257), _dist(31), (0, 13), end]),
        "fixed 286, then a stored block": _bits([(0, 1), (1, 2), a, _fixed(286), end, (1, 1), (0, 2)])
        + b"\x02\x00\xfd\xffok",
        "fixed 286 in the second block": _bits([(0, 1), (1, 2), a, end, (1, 1), (1, 2), b, _fixed(286), a, end]),
        "valid fixed": _bits([(1, 1), (1, 2), a, b, _fixed(257), _dist(1), end]),
    }
    lit4 = {97: 2, 98: 2, 256: 2, 257: 2}  # a, b, end, a match of 3: a complete code
    ab_match = lambda lc, dc: [lc[97], lc[98], lc[257], dc[0], lc[256]]  # noqa: E731
    streams["dynamic valid"] = _dynamic(lit4, {0: 1, 1: 1}, 258, 2, ab_match)
    streams["dynamic 288 literal/length codes"] = _dynamic(lit4, {0: 1, 1: 1}, 288, 2, ab_match)
    streams["dynamic 287 literal/length codes"] = _dynamic(lit4, {0: 1, 1: 1}, 287, 2, ab_match)
    streams["dynamic 31 distance codes"] = _dynamic(lit4, {0: 1, 1: 1}, 258, 31, ab_match)
    streams["dynamic 32 distance codes"] = _dynamic(lit4, {0: 1, 1: 1}, 258, 32, ab_match)
    streams["dynamic one distance code, its unused half"] = _dynamic(
        lit4, {0: 1}, 258, 1, lambda lc, dc: [lc[97], lc[98], lc[257], (1, 1), lc[256]])
    streams["dynamic one distance code, used"] = _dynamic(lit4, {0: 1}, 258, 1, ab_match)
    streams["dynamic no distance code, a match"] = _dynamic(
        lit4, {}, 258, 1, lambda lc, dc: [lc[97], lc[98], lc[257], (0, 1), lc[256]])
    streams["dynamic one literal/length code, its unused half"] = _dynamic(
        {256: 1}, {0: 1, 1: 1}, 257, 2, lambda lc, dc: [(1, 1), lc[256]])
    streams["fixed 286, a distance, then end"] = _bits([(1, 1), (1, 2), a, _fixed(286), _dist(0), end])
    c = zlib.compressobj(6, zlib.DEFLATED, -15)  # valid: blocks, then empty stored ones (flushes), more blocks
    flushed = c.compress(text[:3000]) + c.flush(zlib.Z_FULL_FLUSH) + c.compress(text[3000:9000]) + c.flush(zlib.Z_SYNC_FLUSH)
    flushed += c.compress(b"tail") + c.flush()
    streams["valid with flushes"] = flushed
    streams["valid with flushes, trailing bytes"] = flushed + b"\x00\xffjunk"
    streams = {k: v if isinstance(v, str) else base64.b64encode(v).decode() for k, v in streams.items()}
    sources = {"fixed": _raw(text[:4000], 6, zlib.Z_FIXED), "dynamic": _raw(text[:20000]),
               "short": _raw(b"hello, hello, edge functions"), "stored": _raw(text[:600], 0)}
    for name, data in sources.items():
        for i in range(120):
            b2 = bytearray(data)
            for _ in range(rng.choice([1, 1, 2, 3])):
                b2[rng.randrange(len(b2))] ^= 1 << rng.randrange(8)
            streams[f"{name} corrupt {i}"] = base64.b64encode(bytes(b2)).decode()
    big = b" ".join(rng.choice(words[:40]) for _ in range(14000))[:65536]
    return {"streams": streams, "big": base64.b64encode(_raw(big)).decode()}


@pytest.fixture(scope="module")
def sources(tmp_path_factory):  # type: ignore[no-untyped-def]
    src = tmp_path_factory.mktemp("js-zlib-raw-corrupt-src") / "zlib_raw_corrupt"
    src.mkdir()
    (src / "cases.js").write_text(CASES_JS)
    (src / "index.js").write_text(INDEX_JS)
    (src / "fixtures.json").write_text(json.dumps(make_fixtures()))
    return src


@pytest.fixture(scope="module")
def node_results(sources) -> dict:  # type: ignore[no-untyped-def]
    cases = json.dumps(str(sources / "cases.js"))
    fixtures = json.dumps(str(sources / "fixtures.json"))
    return json.loads(node("-e", f"console.log(JSON.stringify(require({cases}).run(require({fixtures}))))"))


@pytest.fixture(scope="module")
def function(sources, tmp_path_factory):  # type: ignore[no-untyped-def]
    wasm = build("zlib_raw_corrupt", tmp_path_factory.mktemp("js-zlib-raw-corrupt"), source=sources)
    fn = roomy_function(wasm, "zlib-raw-corrupt")
    yield fn
    fn.close()


def test_corrupt_raw_streams_are_nodes(function, node_results):  # type: ignore[no-untyped-def]
    edge = answer_and_fuel(function, "/cases")[0]
    assert list(edge) == list(node_results)
    wrong = [key for key in node_results if edge[key] != node_results[key]]
    assert not wrong, f"{len(wrong)} of {len(node_results)} differ: " + "; ".join(
        f"{key}: edge {edge[key]!r} node {node_results[key]!r}" for key in wrong[:10])


def test_the_cases_test_what_they_say(node_results):  # type: ignore[no-untyped-def]
    r = node_results
    assert r["review raw106"] == "Error|invalid literal/length code|Z_DATA_ERROR|-3"
    assert r["fixed 286 then end"] == "Error|invalid literal/length code|Z_DATA_ERROR|-3"
    assert r["fixed distance 30 then end"] == "Error|invalid distance code|Z_DATA_ERROR|-3"
    assert not r["valid fixed"].startswith("Error")
    assert r["dynamic valid"].startswith("5 ")
    assert r["dynamic 288 literal/length codes"] == "Error|too many length or distance symbols|Z_DATA_ERROR|-3"
    assert r["dynamic one distance code, its unused half"] == "Error|invalid distance code|Z_DATA_ERROR|-3"
    assert r["valid with flushes"] == r["valid with flushes, trailing bytes"]
    assert r["valid with flushes"].startswith("9004 ")
    assert sum(v.startswith("Error") for v in r.values()) > 200


def test_a_valid_64_kb_raw_inflate_costs(function):  # type: ignore[no-untyped-def]
    base = answer_and_fuel(function, "/inflate/0")[1]
    ten = answer_and_fuel(function, "/inflate/10")[1]
    per = (ten - base) / 10
    print(f"inflateRawSync of 64 KB: {per:,.0f} fuel")
    assert answer_and_fuel(function, "/inflate/1")[0] == 65536
    assert per < 4_000_000, per  # 2,059,508 before the check (libdeflate alone), 3,073,645 with it
