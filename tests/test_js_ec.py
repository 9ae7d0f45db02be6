"""ECDSA and Ed25519 signature verification in the sandbox (crypto.createPublicKey / createVerify /
verify with EC and Ed25519 keys): Node makes key pairs on P-256, P-384, P-521 and secp256k1 and an
Ed25519 pair, signatures (DER and IEEE P1363) and JWTs (ES256/384/512, EdDSA, an ALB-style token) at
test time; tests/js/ec/cases.js then runs in the edge function (in requests of bounded fuel) and in
Node, and every result must match. What the edge refuses and Node does not (Ed448/X448 and other
curves' keys) must fail saying what is supported. Signing: tests/test_js_sign.py."""

from __future__ import annotations


import pytest

from .js_helpers import JS, node_comparison

CASES = JS / "ec" / "cases.js"

MAKE_FIXTURES = r"""
const crypto = require('crypto');
const message = 'header.payload signed by Node at ' + Date.now();
const msg = Buffer.from(message);
const CURVES = { p256: ['prime256v1', 'sha256', 'ES256'], p384: ['secp384r1', 'sha384', 'ES384'],
  p521: ['secp521r1', 'sha512', 'ES512'], k256: ['secp256k1', 'sha256', null] };
const pem = (k) => k.export({ type: 'spki', format: 'pem' });
const b64u = (x) => Buffer.from(x).toString('base64url');
function jwt(alg, hash, privateKey, kid) {
  const input = `${b64u(JSON.stringify({ alg, typ: 'JWT', kid }))}.${b64u(JSON.stringify({ sub: 'user-1', iss: 'https://issuer.example', exp: 4102444800 }))}`;
  const sig = crypto.sign(hash, Buffer.from(input), hash === null ? privateKey : { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64u(sig)}`;
}
const ec = {};
const jwts = {};
let p256Private;
for (const [name, [curve, hash, alg]] of Object.entries(CURVES)) {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: curve });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  // the same key with a compressed point: AlgorithmIdentifier from the DER, then BIT STRING 00 || point
  const ecdh = crypto.createECDH(curve);
  ecdh.setPrivateKey(privateKey.export({ format: 'jwk' }).d, 'base64url');
  const point = ecdh.getPublicKey(null, 'compressed');
  const start = der[1] & 0x80 ? 2 + (der[1] & 0x7f) : 2;
  const algorithm = der.subarray(start, start + 2 + der[start + 1]);
  const body = Buffer.concat([algorithm, Buffer.from([3, point.length + 1, 0]), point]);
  const compressed = Buffer.concat([Buffer.from([0x30, body.length]), body]);
  const sign = (h, enc = 'der') => crypto.sign(h, msg, { key: privateKey, dsaEncoding: enc }).toString('base64');
  ec[name] = {
    curve, hash, der: sign(hash), p1363: sign(hash, 'ieee-p1363'), sha1: sign('sha1'), sha256: sign('sha256'),
    sha512: sign('sha512'), spki: pem(publicKey), spkiDer: der.toString('base64'), jwk: publicKey.export({ format: 'jwk' }),
    privateJwk: privateKey.export({ format: 'jwk' }), compressed: compressed.toString('base64'),
    otherSpki: pem(crypto.generateKeyPairSync('ec', { namedCurve: curve }).publicKey),
  };
  if (alg !== null) jwts[alg] = { token: jwt(alg, hash, privateKey, `${name}-key`), pem: pem(publicKey), jwk: publicKey.export({ format: 'jwk' }) };
  if (name === 'p256') p256Private = privateKey;
}
const ed = crypto.generateKeyPairSync('ed25519');
jwts.EdDSA = { token: jwt('EdDSA', null, ed.privateKey, 'ed-key'), pem: pem(ed.publicKey), jwk: ed.publicKey.export({ format: 'jwk' }) };
// ALB pads each base64url part with '=' (and signs the padded header and payload)
const padded = (part) => part.padEnd(Math.ceil(part.length / 4) * 4, '=');
const [albHeader, albPayload] = jwts.ES256.token.split('.').map(padded);
const albSig = crypto.sign('sha256', Buffer.from(`${albHeader}.${albPayload}`), { key: p256Private, dsaEncoding: 'ieee-p1363' });
jwts.alb = { token: `${albHeader}.${albPayload}.${padded(b64u(albSig))}`, pem: jwts.ES256.pem };
console.log(JSON.stringify({
  message, ec, jwt: jwts,
  ed: { spki: pem(ed.publicKey), spkiDer: ed.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    jwk: ed.publicKey.export({ format: 'jwk' }), privateJwk: ed.privateKey.export({ format: 'jwk' }),
    otherSpki: pem(crypto.generateKeyPairSync('ed25519').publicKey),
    sig: crypto.sign(null, msg, ed.privateKey).toString('base64'), emptySig: crypto.sign(null, Buffer.alloc(0), ed.privateKey).toString('base64') },
  ed448Spki: pem(crypto.generateKeyPairSync('ed448').publicKey),
  x448Jwk: crypto.generateKeyPairSync('x448').publicKey.export({ format: 'jwk' }),
  brainpoolSpki: pem(crypto.generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' }).publicKey),
  ecPrivateSec1: p256Private.export({ type: 'sec1', format: 'pem' }),
  ecPrivatePkcs8: p256Private.export({ type: 'pkcs8', format: 'pem' }),
}));
"""

HANDLER = """'use strict';
const cases = require('./cases');
const fixtures = require('./fixtures');
exports.handler = async (event) => {
  const results = cases.run(fixtures, Number(event.Records[0].cf.request.uri.slice(1)));
  return { status: '200', headers: { 'content-type': [{ key: 'Content-Type', value: 'application/json' }] },
    body: JSON.stringify(results) };
};
"""


fixtures, node_results, edge_results = node_comparison("ec", CASES, MAKE_FIXTURES, HANDLER)


CURVES = ("p256", "p384", "p521", "k256")
FORMATS = ("spki", "spki_buffer", "spki_der", "pem_object", "jwk", "jwk_private", "compressed")
ED_FORMATS = ("spki", "spki_buffer", "spki_der", "jwk", "jwk_private")


def common_case_names() -> list[str]:
    names = []
    for curve in CURVES:
        names += [f"{kind}_{curve}_{fmt}" for fmt in FORMATS for kind in ("key", "verify")]
        names += [f"{kind}_{curve}" for kind in ("valid", "valid_oneshot", "digests", "high_s", "tampered", "malformed")]
    names += [f"{kind}_ed_{fmt}" for fmt in ED_FORMATS for kind in ("key", "verify")]
    names += ["valid_ed", "tampered_ed", "malformed_ed", "errors_ed", "errors_ec", "util_types", "private_as_public"]
    return names + [f"jwt_{alg}" for alg in ("ES256", "ES384", "ES512", "EdDSA", "alb")]


@pytest.mark.parametrize("case", common_case_names())
def test_ec_matches_node(case, edge_results, node_results):
    assert case in node_results["common"]
    assert edge_results["common"][case] == node_results["common"][case]


def test_every_case_is_checked(node_results):
    assert sorted(node_results["common"]) == sorted(common_case_names())


def test_verification_results(edge_results):
    # what Node answers is checked above; here, that the cases test what they say they do
    common = edge_results["common"]
    for curve in CURVES:
        for fmt in FORMATS:
            assert common[f"verify_{curve}_{fmt}"] == [True, True], (curve, fmt)
            key = common[f"key_{curve}_{fmt}"]
            assert key[:5] == ["public", "ec", True, {"namedCurve": key[3]["namedCurve"]}, None]
            # equals: the same key, another key, an Ed25519 key; createPublicKey(a public KeyObject) throws
            assert key[-4:] == [True, False, False, "ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE"], (curve, fmt)
        assert common[f"valid_{curve}"] == common[f"valid_oneshot_{curve}"] == [True] * 3, curve
        assert common[f"digests_{curve}"] == [True, True, True, False], curve
        assert common[f"high_s_{curve}"] == [True, True], curve
        assert common[f"tampered_{curve}"] == [False] * 5, curve
        assert common[f"malformed_{curve}"] == [False] * 21, curve
    assert {common[f"key_{c}_spki"][3]["namedCurve"] for c in CURVES} == {"prime256v1", "secp384r1", "secp521r1", "secp256k1"}
    assert common["key_p256_jwk"][5]["crv"] == "P-256" and common["key_p521_jwk"][5]["crv"] == "P-521"
    # a compressed point is kept compressed on export, as OpenSSL does
    assert len(common["key_p256_compressed"][7]) < len(common["key_p256_spki"][7])
    for fmt in ED_FORMATS:
        assert common[f"verify_ed_{fmt}"] is True
        assert common[f"key_ed_{fmt}"][:5] == ["public", "ed25519", True, {}, None]
    assert common["valid_ed"] == [True] * 4
    assert common["tampered_ed"] == [False] * 6
    assert common["malformed_ed"] == [False] * 4
    assert common["errors_ed"]["any_bytes"][1] is False  # any 32 bytes are a key, which verifies nothing
    for alg in ("ES256", "ES384", "ES512", "EdDSA"):
        assert common[f"jwt_{alg}"] == [True, True, False, False], alg
    assert common["util_types"] == [True, True, False, False]
    assert common["jwt_alb"] == [True, ["ES256", "p256-key", True], ["ES256", "p256-key", False]]
    assert common["private_as_public"][0] == common["key_p256_spki"][6] and common["private_as_public"][2:] == [True] * 3


@pytest.mark.parametrize("case, code", [
    ("digest", "ERR_OSSL_INVALID_DIGEST"), ("create_verify", "ERR_CRYPTO_UNSUPPORTED_OPERATION"),
    ("jwk_short", "ERR_CRYPTO_INVALID_JWK"), ("jwk_no_x", "ERR_INVALID_ARG_TYPE"), ("jwk_crv", "ERR_INVALID_ARG_VALUE"),
    ("spki_short", "ERR_OSSL_EVP_DECODE_ERROR"), ("dsa_encoding", "ERR_INVALID_ARG_VALUE"),
])
def test_ed25519_errors(case, code, edge_results):
    assert edge_results["common"]["errors_ed"][case]["code"] == code


@pytest.mark.parametrize("case, code", [
    ("jwk_crv", "ERR_INVALID_ARG_VALUE"), ("jwk_no_crv", "ERR_INVALID_ARG_TYPE"), ("jwk_no_x", "ERR_INVALID_ARG_TYPE"),
    ("jwk_y_number", "ERR_INVALID_ARG_TYPE"), ("jwk_not_on_curve", "ERR_CRYPTO_INVALID_JWK"),
    ("jwk_other_curve", "ERR_CRYPTO_INVALID_JWK"), ("jwk_k256", "ERR_CRYPTO_INVALID_JWK"), ("jwk_zero", "ERR_CRYPTO_INVALID_JWK"),
    ("jwk_kty", "ERR_INVALID_ARG_VALUE"), ("jwk_not_object", "ERR_INVALID_ARG_TYPE"),
    ("spki_not_on_curve", "ERR_OSSL_EVP_DECODE_ERROR"), ("spki_pem_not_on_curve", "ERR_OSSL_EVP_DECODE_ERROR"),
    ("spki_x_too_big", "ERR_OSSL_EVP_DECODE_ERROR"), ("spki_short_point", "ERR_OSSL_EVP_DECODE_ERROR"),
    ("compressed_x_too_big", "ERR_OSSL_EVP_DECODE_ERROR"), ("dsa_encoding", "ERR_INVALID_ARG_VALUE"),
    ("secret_key", "ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE"), ("used_twice", "ERR_CRYPTO_INVALID_STATE"),
])
def test_ec_key_errors(case, code, edge_results):
    assert edge_results["common"]["errors_ec"][case]["code"] == code


@pytest.mark.parametrize("case, words", [
    ("ed448", "Ed448 keys"), ("x448_jwk", "X448 keys"), ("brainpool", "other curves"),
])
def test_unsupported_keys_say_what_is_supported(case, words, edge_results):
    err = edge_results["errors"]["unsupported"][case]
    assert err["code"] == "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM", err
    assert words in err["message"]
    if case != "ecdh":
        assert "edge functions read RSA keys, EC keys" in err["message"] and "Ed25519" in err["message"]


def test_point_at_infinity_is_refused(edge_results):
    assert edge_results["errors"]["unsupported"]["infinity"]["code"] == "ERR_OSSL_EVP_DECODE_ERROR"
