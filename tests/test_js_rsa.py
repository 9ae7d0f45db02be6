"""RSA signature verification in the sandbox (crypto.createPublicKey / createVerify / verify): Node
makes an RSA-2048 key pair and signatures at test time; tests/js/rsa/cases.js then runs in the edge
function (a request per key format) and in Node, and every result must match. What the edge refuses (Ed448
and X448 keys, key generation) must fail saying what is supported. EC and Ed25519 keys:
tests/test_js_ec.py; signing: tests/test_js_sign.py."""

from __future__ import annotations


import pytest

from .js_helpers import JS, node_comparison

CASES = JS / "rsa" / "cases.js"

MAKE_FIXTURES = r"""
const crypto = require('crypto');
const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
const ed448 = crypto.generateKeyPairSync('ed448').publicKey;
const x448 = crypto.generateKeyPairSync('x448').publicKey;
const message = 'header.payload signed by Node at ' + Date.now();
const sign = (alg) => crypto.sign(alg, Buffer.from(message), privateKey).toString('base64');
console.log(JSON.stringify({
  message, sigs: { 256: sign('sha256'), 384: sign('sha384'), 512: sign('sha512') }, sha1: sign('sha1'),
  spki: publicKey.export({ type: 'spki', format: 'pem' }), pkcs1: publicKey.export({ type: 'pkcs1', format: 'pem' }),
  spkiDer: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), jwk: publicKey.export({ format: 'jwk' }),
  otherSpki: other.export({ type: 'spki', format: 'pem' }), ed448Spki: ed448.export({ type: 'spki', format: 'pem' }),
  x448Jwk: x448.export({ format: 'jwk' }), privatePkcs8: privateKey.export({ type: 'pkcs8', format: 'pem' }),
  privatePkcs1: privateKey.export({ type: 'pkcs1', format: 'pem' }),
}));
"""

HANDLER = """'use strict';
const cases = require('./cases');
const fixtures = require('./fixtures');
exports.handler = async (event) => {
  const results = cases.run(fixtures, event.Records[0].cf.request.uri.slice(1));
  return { status: '200', headers: { 'content-type': [{ key: 'Content-Type', value: 'application/json' }] },
    body: JSON.stringify(results) };
};
"""


fixtures, node_results, edge_results = node_comparison("rsa", CASES, MAKE_FIXTURES, HANDLER, by_index=False)


def common_case_names() -> list[str]:
    names = [f"key_{k}" for k in ("spki", "pkcs1", "jwk", "spki_buffer", "spki_der", "pkcs1_object")]
    names += [f"verify_{k}_{bits}" for k in ("spki", "pkcs1", "jwk", "spki_buffer", "spki_der", "pkcs1_object")
              for bits in (256, 384, 512)]
    return names + ["sha1_and_default", "jwa_style", "used_twice", "secret_key", "bad_digest", "garbage", "private_as_public"]


@pytest.mark.parametrize("case", common_case_names())
def test_rsa_matches_node(case, edge_results, node_results):
    assert case in node_results["common"]
    assert edge_results["common"][case] == node_results["common"][case]


def test_every_case_is_checked(node_results):
    assert sorted(node_results["common"]) == sorted(common_case_names())


def test_verification_results(edge_results):
    # valid (six ways) true; tampered data, tampered signature, wrong key, wrong digest, bad lengths false
    for case, got in edge_results["common"].items():
        if case.startswith("verify_"):
            assert got == [True] * 6 + [False] * 8, case
    assert edge_results["common"]["sha1_and_default"] == [True, True, False]
    assert edge_results["common"]["jwa_style"] is True
    assert edge_results["common"]["private_as_public"] == [True, True, True, "ERR_OSSL_INVALID_PADDING_MODE"]


@pytest.mark.parametrize("case, words", [
    ("ed448_pem", "Ed448 keys"), ("x448_jwk", "X448 keys"), ("ed448_verify", "Ed448 keys"),
    ("generate", "Generating RSA key pairs"),
])
def test_unsupported_keys_say_what_is_supported(case, words, edge_results):
    err = edge_results["errors"][case]
    assert err["code"] == "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM", err
    assert words in err["message"]
    if case not in ("generate", "pss"):
        assert "edge functions read RSA keys, EC keys" in err["message"]
