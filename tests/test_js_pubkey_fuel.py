"""What one public-key operation costs in fuel inside the sandbox (RSA, ECDSA, EdDSA, ECDH, X25519),
now that their arithmetic is the engine's (pycryptodome's C code, edge/js/engine/pubkey.c): each
stays under a bound well below what the same operation cost in BigInt (bench/README.md J10), and
gives what Node gives (its signatures verify in Node; its secrets are Node's). Keys are made by Node
at test time and read at the function's top level, so a request pays for the operation only."""

from __future__ import annotations

import json
import shutil

import pytest

from edge.runtime import FunctionConfig, Limits, Runtime

from .js_helpers import JS, build, node
from .test_samples import make_event, viewer_request

SOURCE = JS / "pubkey_fuel" / "index.js"

MAKE_FIXTURES = r"""
const crypto = require('crypto');
const message = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ';
const pem = (k, type) => k.export({ type, format: 'pem' });
const out = { message };
for (const [name, curve, hash] of [['p256', 'P-256', 'sha256'], ['p384', 'P-384', 'sha384'], ['p521', 'P-521', 'sha512']]) {
  const a = crypto.generateKeyPairSync('ec', { namedCurve: curve });
  const b = crypto.generateKeyPairSync('ec', { namedCurve: curve });
  out[name] = { priv: pem(a.privateKey, 'pkcs8'), pub: pem(a.publicKey, 'spki'), peer: pem(b.publicKey, 'spki'),
    sig: crypto.sign(hash, Buffer.from(message), { key: a.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64'),
    secret: crypto.diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey }).toString('hex') };
}
const r = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
out.rsa = { priv: pem(r.privateKey, 'pkcs8'), pub: pem(r.publicKey, 'spki'),
  sig: crypto.sign('sha256', Buffer.from(message), r.privateKey).toString('base64') };
const e = crypto.generateKeyPairSync('ed25519');
out.ed = { priv: pem(e.privateKey, 'pkcs8'), pub: pem(e.publicKey, 'spki'),
  sig: crypto.sign(null, Buffer.from(message), e.privateKey).toString('base64') };
const x = crypto.generateKeyPairSync('x25519');
const y = crypto.generateKeyPairSync('x25519');
out.x = { priv: pem(x.privateKey, 'pkcs8'), peer: pem(y.publicKey, 'spki'),
  secret: crypto.diffieHellman({ privateKey: x.privateKey, publicKey: y.publicKey }).toString('hex') };
// SEC1 private keys (without their public key, which the reader computes) with chosen scalars:
// tiny ones, one below 2^(8 size - 8) (a zero top byte: the engine multiplies by n - k), the
// largest, half the order
const tlv = (tag, body) => Buffer.concat([Buffer.from([tag]), Buffer.from(body.length < 128 ? [body.length] : [0x81, body.length]), body]);
const ORDERS = { p256: ['06082a8648ce3d030107', 32, 'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551'],
  p384: ['06052b81040022', 48, 'ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973'],
  p521: ['06052b81040023', 66, '01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409'] };
out.scalars = {};
out.scalarResults = {};
for (const [name, [oid, size, order]] of Object.entries(ORDERS)) {
  const n = BigInt('0x' + order);
  const scalars = [1n, 2n, (1n << 64n) + 3n, (1n << BigInt(8 * size - 8)) - 1n, n - 1n, n - 2n, n >> 1n];
  out.scalars[name] = scalars.map((d) => tlv(0x30, Buffer.concat([Buffer.from([2, 1, 1]),
    tlv(4, Buffer.from(d.toString(16).padStart(2 * size, '0'), 'hex')), tlv(0xa0, Buffer.from(oid, 'hex'))])).toString('base64'));
  out.scalarResults[name] = out.scalars[name].map((der) => {
    const key = crypto.createPrivateKey({ key: Buffer.from(der, 'base64'), format: 'der', type: 'sec1' });
    const { x, y } = key.export({ format: 'jwk' });
    return { x, y, secret: crypto.diffieHellman({ privateKey: key, publicKey: crypto.createPublicKey(out[name].peer) }).toString('hex') };
  });
}
console.log(JSON.stringify(out));
"""

NODE_VERIFIES = r"""
const crypto = require('crypto');
const [pem, hash, message, sig, encoding] = JSON.parse(process.argv[1]);
const key = encoding ? { key: pem, dsaEncoding: encoding } : pem;
console.log(crypto.verify(hash, Buffer.from(message), key, Buffer.from(sig, 'base64')));
"""

# Fuel bounds: about 1.5x what was measured with the engine's arithmetic (and below the BigInt
# figures in the comments, which a return to BigInt would exceed)
BOUNDS = {
    "es256-sign": 15_000_000,  # measured 9.6M; BigInt 41M
    "es256-verify": 35_000_000,  # 25M; BigInt 44M
    "es384-sign": 35_000_000,  # 23M; BigInt 105M
    "es384-verify": 90_000_000,  # 66M; BigInt 109M
    "es512-sign": 60_000_000,  # 40M; BigInt 237M
    "es512-verify": 170_000_000,  # 115M; BigInt 239M
    "rs256-sign": 160_000_000,  # 113M (two 1024-bit exponentiations, the result checked with e); BigInt 194M
    "rs256-verify": 10_000_000,  # 5.4M (e = 65537 stays BigInt: cheaper than the engine's set-up)
    "eddsa-sign": 10_000_000,  # 4.2M; BigInt 36M
    "eddsa-verify": 15_000_000,  # 9.1M; BigInt 46M
    "ecdh-p256": 30_000_000,  # 20M; BigInt 37M
    "ecdh-p384": 80_000_000,  # 56M; BigInt 94M
    "ecdh-p521": 140_000_000,  # 94M; BigInt 212M
    "x25519": 6_000_000,  # 2.5M; BigInt 31M
}


@pytest.fixture(scope="module")
def fixtures() -> dict:
    return json.loads(node("-e", MAKE_FIXTURES))


@pytest.fixture(scope="module")
def results(fixtures, tmp_path_factory) -> dict:  # type: ignore[no-untyped-def]
    """{operation: (its result, the fuel it used)}, each in a fresh instance, as a request gets one"""
    src = tmp_path_factory.mktemp("js-pubkey-fuel-src") / "pubkey_fuel"
    src.mkdir()
    shutil.copy(SOURCE, src / "index.js")
    (src / "fixtures.js").write_text(f"module.exports = {json.dumps(fixtures)};\n")
    wasm = build("pubkey_fuel", tmp_path_factory.mktemp("js-pubkey-fuel"), source=src)
    fn = Runtime().function(wasm.read_bytes(), FunctionConfig(name="pubkey", limits=Limits()))
    out = {}
    try:
        for op in [*BOUNDS, "scalars-p256", "scalars-p384", "scalars-p521"]:
            event = make_event("viewer-request", viewer_request(uri=f"/{op}"))
            outcome = fn.invoke(json.dumps(event).encode(), None)
            assert outcome.ok, (op, outcome.error, outcome.message)
            out[op] = (json.loads(outcome.value["body"]), outcome.fuel_used)
    finally:
        fn.close()
    print("\nfuel: " + ", ".join(f"{op} {fuel:,}" for op, (_, fuel) in out.items()))
    return out


@pytest.mark.parametrize("op", list(BOUNDS))
def test_one_operation_stays_within_its_fuel_bound(results, op):
    assert results[op][1] < BOUNDS[op], (op, results[op][1])


def test_verifications_accept_nodes_signatures(results):
    for op in ("es256-verify", "es384-verify", "es512-verify", "rs256-verify", "eddsa-verify"):
        assert results[op][0] is True, op


def test_signatures_verify_in_node(fixtures, results):
    for op, key, hash_, encoding in (("es256-sign", "p256", "sha256", "ieee-p1363"), ("es384-sign", "p384", "sha384", "ieee-p1363"),
                                     ("es512-sign", "p521", "sha512", "ieee-p1363"), ("rs256-sign", "rsa", "sha256", None),
                                     ("eddsa-sign", "ed", None, None)):
        args = [fixtures[key]["pub"], hash_, fixtures["message"], results[op][0], encoding]
        assert node("-e", NODE_VERIFIES, json.dumps(args)).strip() == "true", op
    # RSASSA-PKCS1-v1_5 and Ed25519 are deterministic: Node's own signatures, byte for byte
    assert results["rs256-sign"][0] == fixtures["rsa"]["sig"]
    assert results["eddsa-sign"][0] == fixtures["ed"]["sig"]


def test_chosen_scalars_give_nodes_points_signatures_and_secrets(fixtures, results):
    """Private keys 1, 2, 2^64 + 3, 2^(8 size - 8) - 1 (a zero top byte), n - 1, n - 2 and n/2:
    their public points and ECDH secrets are Node's, their signatures verify in Node"""
    for name, hash_ in (("p256", "sha256"), ("p384", "sha384"), ("p521", "sha512")):
        edge = results[f"scalars-{name}"][0]
        assert [{k: r[k] for k in ("x", "y", "secret")} for r in edge] == fixtures["scalarResults"][name], name
        for r in edge:
            jwk = {"kty": "EC", "crv": {"p256": "P-256", "p384": "P-384", "p521": "P-521"}[name], "x": r["x"], "y": r["y"]}
            verify = ("const c = require('crypto'); const [jwk, hash, message, sig] = JSON.parse(process.argv[1]);"
                      "console.log(c.verify(hash, Buffer.from(message), { key: c.createPublicKey({ key: jwk, format: 'jwk' }),"
                      " dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64')))")
            assert node("-e", verify, json.dumps([jwk, hash_, fixtures["message"], r["sig"]])).strip() == "true", (name, r)


def test_shared_secrets_are_nodes(fixtures, results):
    for name in ("p256", "p384", "p521"):
        assert results[f"ecdh-{name}"][0] == fixtures[name]["secret"], name
    assert results["x25519"][0] == fixtures["x"]["secret"]
