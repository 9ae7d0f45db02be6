"""Signing and private keys in the sandbox (crypto.createPrivateKey, createSign, sign): Node makes key
pairs at test time (RSA-2048 and -512, EC on P-256, P-384, P-521 and secp256k1, Ed25519) in every
format (PEM and DER PKCS#8, PKCS#1, SEC1; JWK); tests/js/sign/cases.js then runs in the edge function
(in requests of bounded fuel) and in Node. Keys, their exports, RSA and Ed25519 signatures (both
deterministic) must be Node's byte for byte, errors Node's; ECDSA signatures (Node's nonces are
random, the edge's RFC 6979's) must verify in Node and be the RFC 6979 ones that OpenSSL makes
through Python's cryptography. Then a viewer-request function that redirects to a CloudFront signed
URL, through the real server, against the same code in Node, and the fuel one RSA-2048 signature takes."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import urllib.parse

import pytest

from edge.runtime import FunctionConfig, Limits, Runtime

from .conftest import Edge
from .js_helpers import JS, build, node, node_comparison
from .test_samples import make_event, viewer_request

CASES = JS / "sign" / "cases.js"
CLOUDFRONT = JS / "sign" / "cloudfront.js"

MAKE_FIXTURES = r"""
const crypto = require('crypto');
const message = 'Policy or JWT header.payload, signed at ' + Date.now();
const msg = Buffer.from(message);
const der = (k, type) => k.export({ type, format: 'der' }).toString('base64');
const pem = (k, type) => k.export({ type, format: 'pem' });
const pair = (...args) => crypto.generateKeyPairSync(...args);
const rsa = pair('rsa', { modulusLength: 2048 });
const small = pair('rsa', { modulusLength: 512 });
// the curves' OIDs in DER: what `openssl ecparam -genkey` writes as EC PARAMETERS before the key
const OIDS = { p256: '06082a8648ce3d030107', p384: '06052b81040022', p521: '06052b81040023', k256: '06052b8104000a' };
const CURVES = { p256: ['prime256v1', 'sha256'], p384: ['secp384r1', 'sha384'], p521: ['secp521r1', 'sha512'], k256: ['secp256k1', 'sha256'] };
const ec = {};
for (const [name, [curve, hash]] of Object.entries(CURVES)) {
  const { privateKey, publicKey } = pair('ec', { namedCurve: curve });
  const params = `-----BEGIN EC PARAMETERS-----\n${Buffer.from(OIDS[name], 'hex').toString('base64')}\n-----END EC PARAMETERS-----\n`;
  ec[name] = { pkcs8: pem(privateKey, 'pkcs8'), sec1: pem(privateKey, 'sec1'), paramsAndSec1: params + pem(privateKey, 'sec1'),
    pkcs8Der: der(privateKey, 'pkcs8'), sec1Der: der(privateKey, 'sec1'), jwk: privateKey.export({ format: 'jwk' }),
    spki: pem(publicKey, 'spki'), sig: crypto.sign(hash, msg, privateKey).toString('base64') };
}
ec.p256other = pem(pair('ec', { namedCurve: 'P-256' }).privateKey, 'pkcs8');
const ed = pair('ed25519');
const encrypted = (type, format) => rsa.privateKey.export({ type, format, cipher: 'aes-256-cbc', passphrase: 'secret' });
console.log(JSON.stringify({
  message,
  rsa: { pkcs1: pem(rsa.privateKey, 'pkcs1'), pkcs8: pem(rsa.privateKey, 'pkcs8'), pkcs1Der: der(rsa.privateKey, 'pkcs1'),
    pkcs8Der: der(rsa.privateKey, 'pkcs8'), jwk: rsa.privateKey.export({ format: 'jwk' }), spki: pem(rsa.publicKey, 'spki'),
    publicJwk: rsa.publicKey.export({ format: 'jwk' }), sig: crypto.sign('sha256', msg, rsa.privateKey).toString('base64') },
  other: { pkcs8: pem(pair('rsa', { modulusLength: 1024 }).privateKey, 'pkcs8') },
  small: { pkcs8: pem(small.privateKey, 'pkcs8') },
  ec,
  ed: { pkcs8: pem(ed.privateKey, 'pkcs8'), pkcs8Der: der(ed.privateKey, 'pkcs8'), jwk: ed.privateKey.export({ format: 'jwk' }),
    spki: pem(ed.publicKey, 'spki'), sig: crypto.sign(null, msg, ed.privateKey).toString('base64') },
  encrypted: { pkcs8: encrypted('pkcs8', 'pem'), pkcs1: encrypted('pkcs1', 'pem'), pkcs8Der: encrypted('pkcs8', 'der').toString('base64') },
  rsaPss: pem(pair('rsa-pss', { modulusLength: 1024 }).privateKey, 'pkcs8'),
  ed448: pem(pair('ed448').privateKey, 'pkcs8'),
  x448: pem(pair('x448').privateKey, 'pkcs8'),
  cloudfront: { privateKey: pem(rsa.privateKey, 'pkcs1'), keyPairId: 'K2JCJMDEHXQW5F', publicKey: pem(rsa.publicKey, 'spki') },
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

CURVES = {"p256": "sha256", "p384": "sha384", "p521": "sha512", "k256": "sha256"}


fixtures, node_results, edge_results = node_comparison("sign", CASES, MAKE_FIXTURES, HANDLER)


def common_case_names() -> list[str]:
    names = [f"rsa_{kind}_{fmt}" for fmt in ("pkcs1_pem", "pkcs8_pem", "pem_buffer", "pem_object", "pkcs1_der", "pkcs8_der",
                                             "der_string", "jwk") for kind in ("key", "sign")]
    names += [f"rsa_digest_{d}" for d in ("md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha512-224", "sha512-256",
                                          "RSA-SHA1", "RSA-SHA256", "sha256WithRSAEncryption", "SHA512")]
    names += ["rsa_ways", "rsa_ways_2", "rsa_verify"]
    for curve in CURVES:
        names += [f"ec_key_{curve}_{fmt}" for fmt in ("pkcs8_pem", "sec1_pem", "sec1_pem_with_params", "pkcs8_der", "sec1_der", "jwk")]
        names.append(f"ecdsa_verify_{curve}")
    return names + [f"ed_key_{fmt}" for fmt in ("pkcs8_pem", "pkcs8_der", "jwk")] + ["ed_ways"]


@pytest.mark.parametrize("case", common_case_names())
def test_sign_matches_node(case, edge_results, node_results):
    assert case in node_results["common"]
    assert edge_results["common"][case] == node_results["common"][case]


def test_every_case_is_checked(node_results, edge_results):
    assert sorted(node_results["common"]) == sorted(common_case_names())
    assert sorted(edge_results["made"]) == sorted(f"ecdsa_{curve}" for curve in CURVES)


def sha256(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def test_the_cases_test_what_they_say(edge_results, fixtures):
    common = edge_results["common"]
    for name, result in common.items():
        if name.startswith("rsa_sign_"):  # Node's signature, byte for byte
            assert result == fixtures["rsa"]["sig"], name
        if name.startswith(("rsa_key_", "ec_key_", "ed_key_")):
            kind = {"rsa": "rsa", "ec": "ec", "ed": "ed25519"}[name.split("_")[0]]
            assert result[:4] == ["private", kind, True, "PrivateKeyObject"], name
    assert common["rsa_key_pkcs1_pem"][-3:] == [True, False, False]  # equals: the same key, another, its public key
    assert common["rsa_key_jwk"][7] == sha256(fixtures["rsa"]["pkcs8"]) and common["rsa_key_pkcs8_der"][9] == sha256(fixtures["rsa"]["pkcs1"])
    assert common["rsa_verify"] == [True, True, True, True]
    assert common["ec_key_p256_jwk"][11] == sha256(fixtures["ec"]["p256"]["sec1"])
    assert common["ec_key_k256_sec1_der"][8] == sha256(fixtures["ec"]["k256"]["pkcs8Der"])
    assert common["ec_key_p521_sec1_pem"][-2:] == [True, False]
    for curve in CURVES:
        assert common[f"ecdsa_verify_{curve}"] == [True, True, False], curve
    assert common["ed_key_jwk"][-1] == fixtures["ed"]["sig"]
    assert common["ed_ways"][0] == fixtures["ed"]["sig"] and common["ed_ways"][-2:] == [True, True]


ERROR_CASES = [
    ("create_sign_unknown", "ERR_CRYPTO_INVALID_DIGEST"), ("create_sign_number", "ERR_INVALID_ARG_TYPE"),
    ("create_verify_unknown", "ERR_CRYPTO_INVALID_DIGEST"), ("sign_unknown", "ERR_CRYPTO_INVALID_DIGEST"),
    ("sign_algorithm_number", "ERR_INVALID_ARG_TYPE"), ("sign_data_number", "ERR_INVALID_ARG_TYPE"),
    ("sign_callback_number", "ERR_INVALID_ARG_TYPE"), ("public_key_object", "ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE"),
    ("public_key_object_one_shot", "ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE"), ("public_pem", "ERR_OSSL_UNSUPPORTED"),
    ("public_pem_one_shot", "ERR_OSSL_UNSUPPORTED"), ("public_jwk", "ERR_INVALID_ARG_TYPE"),
    ("secret_key", "ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE"), ("no_key", "ERR_CRYPTO_SIGN_KEY_REQUIRED"),
    ("no_key_one_shot", "ERR_CRYPTO_SIGN_KEY_REQUIRED"), ("key_number", "ERR_INVALID_ARG_TYPE"),
    ("key_key_number", "ERR_INVALID_ARG_TYPE"), ("signed_twice", "ERR_CRYPTO_INVALID_STATE"),
    ("update_after_sign", "ERR_CRYPTO_INVALID_STATE"), ("padding_3", "ERR_OSSL_INVALID_PADDING_MODE"),
    ("padding_string", "ERR_INVALID_ARG_VALUE"), ("salt_length_string", "ERR_INVALID_ARG_VALUE"),
    ("dsa_encoding", "ERR_INVALID_ARG_VALUE"), ("digest_too_big", "ERR_OSSL_RSA_DIGEST_TOO_BIG_FOR_RSA_KEY"),
    ("output_encoding", "ERR_UNKNOWN_ENCODING"), ("ed_create_sign", "ERR_CRYPTO_UNSUPPORTED_OPERATION"),
    ("ed_digest", "ERR_OSSL_INVALID_DIGEST"), ("create_private_public_pem", "ERR_OSSL_UNSUPPORTED"),
    ("create_private_garbage", "ERR_OSSL_UNSUPPORTED"), ("create_private_key_object", "ERR_INVALID_ARG_TYPE"),
    ("create_private_key_object_in_object", "ERR_INVALID_ARG_TYPE"), ("create_private_number", "ERR_INVALID_ARG_TYPE"),
    ("create_private_jwk_without_format", "ERR_INVALID_ARG_TYPE"), ("create_private_jwk_not_object", "ERR_INVALID_ARG_TYPE"),
    ("create_private_jwk_kty", "ERR_INVALID_ARG_VALUE"), ("create_private_public_jwk", "ERR_INVALID_ARG_TYPE"),
    ("create_private_jwk_no_qi", "ERR_INVALID_ARG_TYPE"), ("create_private_ec_jwk_no_d", "ERR_INVALID_ARG_TYPE"),
    ("create_private_ec_jwk_off_curve", "ERR_CRYPTO_INVALID_JWK"), ("create_private_ed_jwk_short", "ERR_CRYPTO_INVALID_JWK"),
    ("create_private_ed_jwk_no_x", "ERR_INVALID_ARG_TYPE"), ("create_private_der_no_type", "ERR_INVALID_ARG_VALUE"),
    ("create_private_der_spki", "ERR_INVALID_ARG_VALUE"), ("create_private_format", "ERR_INVALID_ARG_VALUE"),
    ("create_public_public_key_object", "ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE"),
    ("export_pkcs1_ec", "ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS"), ("export_sec1_ed", "ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS"),
    ("export_format", "ERR_INVALID_ARG_VALUE"),
]


@pytest.mark.parametrize("case, code", ERROR_CASES)
def test_errors_are_nodes(case, code, edge_results, node_results):
    expected = node_results["errors"]["errors"][case]
    got = edge_results["errors"]["errors"][case]
    assert expected["code"] == code and got["code"] == code, (got, expected)
    assert got["name"] == expected["name"]
    if expected["message"].startswith("error:"):  # OpenSSL's words; the edge may say more after them
        assert got["message"].startswith(expected["message"]), (got, expected)
    else:
        assert got["message"] == expected["message"]


def test_every_error_is_checked(node_results):
    assert sorted(node_results["errors"]["errors"]) == sorted(case for case, _ in ERROR_CASES)


@pytest.mark.parametrize("curve", CURVES)
def test_node_verifies_the_edges_ecdsa_signatures(curve, edge_results, fixtures):
    made = edge_results["made"][f"ecdsa_{curve}"]
    assert made["again"] == made["der"]  # RFC 6979: the same message and key, the same signature
    hash_name = CURVES[curve]
    checks = [(hash_name, made["der"], "der"), (hash_name, made["p1363"], "ieee-p1363"), ("sha1", made["sha1"], "der"),
              ("sha256", made["default"], "der"), (hash_name, made["jwk"], "ieee-p1363"),
              (hash_name, made["der"], "ieee-p1363")]  # the last: a DER signature read as P1363 must fail
    script = f"""
const crypto = require('crypto');
const f = {json.dumps(fixtures)};
const key = crypto.createPublicKey(f.ec.{curve}.spki);
console.log(JSON.stringify({json.dumps(checks)}.map(([hash, sig, dsaEncoding]) =>
  crypto.verify(hash, Buffer.from(f.message), {{ key, dsaEncoding }}, Buffer.from(sig, 'base64')))));
"""
    assert json.loads(node("-e", script)) == [True] * 5 + [False]


@pytest.mark.parametrize("curve", CURVES)
def test_ecdsa_nonces_are_rfc6979(curve, edge_results, fixtures):
    # OpenSSL (3.2+) makes RFC 6979 signatures too: through Python's cryptography, byte for byte ours
    pytest.importorskip("cryptography")
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = serialization.load_pem_private_key(fixtures["ec"][curve]["pkcs8"].encode(), password=None)
    made = edge_results["made"][f"ecdsa_{curve}"]
    hash_cls = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}[CURVES[curve]]
    try:
        expected = key.sign(fixtures["message"].encode(), ec.ECDSA(hash_cls(), deterministic_signing=True))
    except UnsupportedAlgorithm:
        pytest.skip("this OpenSSL has no deterministic ECDSA")
    assert base64.b64decode(made["der"]) == expected
    sha1 = key.sign(fixtures["message"].encode(), ec.ECDSA(hashes.SHA1(), deterministic_signing=True))
    assert base64.b64decode(made["sha1"]) == sha1


@pytest.mark.parametrize("case, words", [
    ("encrypted_pkcs8", "encrypted private keys"), ("encrypted_pkcs1", "encrypted private keys"),
    ("encrypted_der", "encrypted private keys"), ("export_cipher", "export private keys unencrypted"),
    ("rsa_pss_key", "RSA-PSS keys"), ("ed448", "Ed448 keys"), ("x448", "X448 keys"),
    ("generate", "Generating RSA key pairs"), ("dh", "createDiffieHellman"),
])
def test_what_the_edge_refuses_says_what_there_is(case, words, edge_results):
    err = edge_results["edge"]["unsupported"][case]
    assert err["code"] == "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM", err
    assert words in err["message"]
    if case == "generate":
        assert "generate EC key pairs (namedCurve P-256, P-384, P-521 or secp256k1), Ed25519 and X25519" in err["message"]
    elif case == "dh":
        assert "sign and verify with RSA" in err["message"]
    elif case not in ("pss", "export_cipher"):
        assert "unencrypted private" in err["message"] and "Ed25519" in err["message"]


# A CloudFront signed URL, end to end
NODE_SIGNED_URL = """
const path = require('path');
const dir = process.argv[1];
const { signedUrl } = require(path.join(dir, 'index.js'));
const [url, expires] = JSON.parse(process.argv[2]);
console.log(JSON.stringify(signedUrl(url, expires)));
"""


@pytest.fixture(scope="module")
def cloudfront_function(fixtures, tmp_path_factory):  # type: ignore[no-untyped-def]
    src = tmp_path_factory.mktemp("js-cloudfront-src") / "cloudfront"
    src.mkdir()
    shutil.copy(CLOUDFRONT, src / "index.js")
    (src / "fixtures.js").write_text(f"module.exports = {json.dumps(fixtures)};\n")
    return src, build("cloudfront", tmp_path_factory.mktemp("js-cloudfront"), source=src)


def test_a_viewer_request_redirects_to_a_cloudfront_signed_url_as_node_signs_it(cloudfront_function, fixtures, tmp_path):
    src, wasm = cloudfront_function
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(f'[origins.echo]\ntype = "echo"\n\n[functions.signer]\nsource = "{wasm}"\n\n'
                        '[[behaviors]]\npath = "*"\norigin = "echo"\ncache = "disabled"\nviewer_request = "signer"\n')
    server = Edge(manifest, tmp_path / "state")
    server.server.start()
    try:
        r = server.get("/videos/intro.mp4?quality=hd", headers={"host": "d111111abcdef8.cloudfront.net"})
    finally:
        server.close()
    assert r.status_code == 302, r.text
    location = r.headers["location"]
    url, _, query = location.partition("?quality=hd&")
    url += "?quality=hd"
    assert url == "https://d111111abcdef8.cloudfront.net/media/videos/intro.mp4?quality=hd"
    params = urllib.parse.parse_qs(query)
    assert sorted(params) == ["Expires", "Key-Pair-Id", "Signature"]
    assert params["Key-Pair-Id"] == ["K2JCJMDEHXQW5F"]
    expires = int(params["Expires"][0])
    signature = params["Signature"][0]
    assert not set("+=/") & set(signature) and len(signature) == 344  # CloudFront's base64 of 256 bytes
    # the same code in Node signs the same URL to the same bytes, and Node verifies the signature
    assert json.loads(node("-e", NODE_SIGNED_URL, str(src), json.dumps([url, expires]))) == location
    policy = json.dumps({"Statement": [{"Resource": url, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}]},
                        separators=(",", ":"))
    verify = ("const c = require('crypto'); const [pem, policy, sig] = JSON.parse(process.argv[1]);"
              "console.log(c.verify('RSA-SHA1', Buffer.from(policy), pem, Buffer.from(sig.replace(/-/g, '+')"
              ".replace(/_/g, '=').replace(/~/g, '/'), 'base64')))")
    assert node("-e", verify, json.dumps([fixtures["cloudfront"]["publicKey"], policy, signature])).strip() == "true"


def test_an_rsa_2048_signature_fits_in_an_eighth_of_the_default_fuel(cloudfront_function):
    _, wasm = cloudfront_function
    runtime = Runtime()
    fn = runtime.function(wasm.read_bytes(), FunctionConfig(name="signer", limits=Limits()))
    try:
        event = make_event("viewer-request", viewer_request(uri="/a.mp4", headers={"host": [{"key": "Host", "value": "example.com"}]}))
        outcome = fn.invoke(json.dumps(event).encode(), None)
    finally:
        fn.close()
    assert outcome.ok, (outcome.error, outcome.message)
    assert outcome.value["status"] == "302"
    # the PEM read and one RSA-2048 signature with the CRT: ~0.2e9 fuel
    assert outcome.fuel_used < Limits().fuel // 8, outcome.fuel_used
