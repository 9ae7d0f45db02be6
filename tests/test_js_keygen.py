"""Key pair generation in the sandbox: crypto.generateKeyPairSync, generateKeyPair (and
util.promisify of it) and crypto.subtle.generateKey for EC (P-256, P-384, P-521, secp256k1),
Ed25519 and X25519. tests/js/keygen/cases.js runs in the edge function and in Node and every result
must match: the keys' shapes and encodings (KeyObjects, PEM and DER spki/pkcs8/sec1, JWK), that two
generations differ, that the keys sign, verify and agree with themselves and with Node's keys, the
CryptoKeyPairs' usages and extractability, and Node's errors for bad options. Then Node checks what
the edge made: it reads the edge's public keys, verifies the edge's signatures and computes the same
ECDH and X25519 secrets from its own private keys. RSA key pairs stay refused (too slow to find
primes here: even with the engine's native arithmetic about 5e7 fuel per 1024-bit modular
exponentiation, ~5e9 for a 2048-bit key, against the default 2e9)."""

from __future__ import annotations

import json

import pytest

from .js_helpers import JS, node, node_comparison

CASES = JS / "keygen" / "cases.js"

MAKE_FIXTURES = r"""
const crypto = require('crypto');
const message = 'a message to sign, at ' + Date.now();
const DIGESTS = { 'P-256': 'sha256', 'P-384': 'sha384', 'P-521': 'sha512', secp256k1: 'sha256' };
const out = { message, node: {} };
for (const [name, type, options] of [...Object.keys(DIGESTS).map((c) => [c, 'ec', { namedCurve: c }]), ['ed25519', 'ed25519'], ['x25519', 'x25519']]) {
  const { publicKey, privateKey } = crypto.generateKeyPairSync(type, options);
  out.node[name] = { spki: publicKey.export({ type: 'spki', format: 'pem' }), pkcs8: privateKey.export({ type: 'pkcs8', format: 'pem' }) };
  if (type !== 'x25519') out.node[name].sig = crypto.sign(DIGESTS[name] || null, Buffer.from(message), privateKey).toString('base64');
}
console.log(JSON.stringify(out));
"""

HANDLER = """'use strict';
const cases = require('./cases');
const fixtures = require('./fixtures');
exports.handler = async (event) => {
  const results = await cases.run(fixtures, Number(event.Records[0].cf.request.uri.slice(1)));
  return { status: '200', headers: { 'content-type': [{ key: 'Content-Type', value: 'application/json' }] },
    body: JSON.stringify(results) };
};
"""

fixtures, node_results, edge_results = node_comparison("keygen", CASES, MAKE_FIXTURES, HANDLER)

TYPES = ("P-256", "P-384", "P-521", "secp256k1", "ed25519", "x25519")
SUBTLE = ("ECDSA_P-256", "ECDSA_P-384", "ECDSA_P-521", "ECDH_P-256", "ECDH_P-384", "ECDH_P-521", "Ed25519_", "X25519_")
COMMON = [*(f"objects_{t}" for t in TYPES), *(f"encodings_{t}" for t in TYPES), "callback", "callback_errors",
          *(f"subtle_{s}" for s in SUBTLE), "errors"]


@pytest.mark.parametrize("case", COMMON)
def test_matches_node(case, edge_results, node_results):
    assert case in node_results["common"]
    assert edge_results["common"][case] == node_results["common"][case]


def test_every_case_is_checked(node_results):
    assert sorted(node_results["common"]) == sorted(COMMON)


def test_the_cases_test_what_they_say(edge_results):
    common = edge_results["common"]
    for t in TYPES:
        got = common[f"objects_{t}"]
        assert got["matches"] is True and got["differ"] is True, t
        if t != "x25519":
            assert got["verifies"] == [True, False, False, False], t
        if t not in ("ed25519",):
            assert got["agree"] == {"P-256": 32, "P-384": 48, "P-521": 66, "secp256k1": 32, "x25519": 32}[t], t
        enc = common[f"encodings_{t}"]
        assert all(v["same"] is True for k, v in enc.items() if k not in ("jwk", "half")), t
        assert enc["jwk"]["read"] is True and enc["jwk"]["same"] is True and enc["half"][0] == "string", t
        assert enc["pkcs8_pem"]["shapes"][0][0] == "-----BEGIN PUBLIC KEY-----"
        assert enc["pkcs8_pem"]["shapes"][1][0] == "-----BEGIN PRIVATE KEY-----"
        assert enc["pkcs8_der"]["types"] == ["object", True, "object", True]
    cb = common["callback"]
    assert cb["err"] is None and cb["publicKey"]["keyObject"] == "public" and cb["privateKey"]["keyObject"] == "private"
    assert cb["promisified"][0] == ["publicKey", "privateKey"] and cb["promisifiedError"][0] == "ERR_CRYPTO_INVALID_CURVE"
    for s in SUBTLE:
        got = common[f"subtle_{s}"]
        assert got["proto"] is True and got["publicKey"]["extractable"] is True and got["privateKey"]["extractable"] is False, s
        assert got["exportPrivate"]["error"] == "InvalidAccessException", s  # Node 20's name for it
        if "verifies" in got:
            assert got["verifies"] == [True, False], s
        if "agree" in got:
            assert got["agree"][0] is True, s


ERRORS = {  # case -> (name, code)
    "unknown_curve": ("TypeError", "ERR_CRYPTO_INVALID_CURVE"), "unknown_curve_secp256r1": ("TypeError", "ERR_CRYPTO_INVALID_CURVE"),
    "no_curve": ("TypeError", "ERR_INVALID_ARG_TYPE"), "curve_type": ("TypeError", "ERR_INVALID_ARG_TYPE"),
    "no_options": ("TypeError", "ERR_INVALID_ARG_TYPE"), "options_type": ("TypeError", "ERR_INVALID_ARG_TYPE"),
    "unknown_type": ("TypeError", "ERR_INVALID_ARG_VALUE"), "type_type": ("TypeError", "ERR_INVALID_ARG_TYPE"),
    "param_encoding": ("TypeError", "ERR_INVALID_ARG_VALUE"), "encoding_not_object": ("TypeError", "ERR_INVALID_ARG_VALUE"),
    "encoding_format": ("TypeError", "ERR_INVALID_ARG_VALUE"), "encoding_no_type": ("TypeError", "ERR_INVALID_ARG_VALUE"),
    "encoding_der_no_type": ("TypeError", "ERR_INVALID_ARG_VALUE"), "encoding_public_pkcs8": ("TypeError", "ERR_INVALID_ARG_VALUE"),
    "encoding_private_spki": ("TypeError", "ERR_INVALID_ARG_VALUE"), "encoding_pkcs1": ("Error", "ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS"),
    "encoding_sec1_ed25519": ("Error", "ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS"), "encoding_unknown_type": ("TypeError", "ERR_INVALID_ARG_VALUE"),
    "cipher_type": ("TypeError", "ERR_INVALID_ARG_VALUE"), "cipher_no_passphrase": ("TypeError", "ERR_INVALID_ARG_VALUE"),
    "passphrase_no_cipher": ("TypeError", "ERR_INVALID_ARG_VALUE"), "cipher_der_sec1": ("Error", "ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS"),
    "subtle_no_curve": ("TypeError", "ERR_MISSING_OPTION"), "subtle_curve": ("NotSupportedError", 9),
    "subtle_k256": ("NotSupportedError", 9), "subtle_ecdsa_usage": ("SyntaxError", 12), "subtle_ecdh_usage": ("SyntaxError", 12),
    "subtle_ed25519_usage": ("SyntaxError", 12), "subtle_x25519_usage": ("SyntaxError", 12), "subtle_public_only": ("SyntaxError", 12),
    "subtle_empty": ("SyntaxError", 12), "subtle_bad_usage": ("TypeError", "ERR_INVALID_ARG_VALUE"),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_are_nodes(case, edge_results, node_results):
    expected = node_results["common"]["errors"][case]
    assert edge_results["common"]["errors"][case] == expected
    assert (expected["error"], expected["code"]) == ERRORS[case]


def test_every_error_is_checked(node_results):
    assert sorted(node_results["common"]["errors"]) == sorted(ERRORS)


@pytest.mark.parametrize("case", ["rsa", "rsa_callback", "ed448", "brainpool", "explicit", "cipher", "subtle_rsa"])
def test_what_the_edge_refuses_says_what_there_is(case, edge_results):
    err = edge_results["edge"]["unsupported"][case]
    assert "is not available in edge functions" in err["message"], err
    if case == "subtle_rsa":
        assert err["error"] == "NotSupportedError" and "ECDSA, ECDH (P-256, P-384, P-521), Ed25519 and X25519" in err["message"]
    else:
        assert err["code"] == "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM"
        assert "generate EC key pairs (namedCurve P-256, P-384, P-521 or secp256k1), Ed25519 and X25519" in err["message"]
    if case.startswith("rsa") or case == "subtle_rsa":
        assert "takes too long" in err["message"]


NODE_CHECKS = r"""
const crypto = require('crypto');
const [f, made] = JSON.parse(process.argv[1]);
const DIGESTS = { 'P-256': 'sha256', 'P-384': 'sha384', 'P-521': 'sha512', secp256k1: 'sha256', ed25519: null };
const out = {};
for (const [name, m] of Object.entries(made)) {
  const t = name.slice(5);
  const publicKey = crypto.createPublicKey(m.spki);
  const r = { type: publicKey.asymmetricKeyType, curve: (publicKey.asymmetricKeyDetails || {}).namedCurve || null };
  if (m.sig !== undefined) r.verifies = crypto.verify(DIGESTS[t], Buffer.from(f.message), publicKey, Buffer.from(m.sig, 'base64'));
  if (m.secret !== undefined) {
    r.agrees = crypto.diffieHellman({ privateKey: crypto.createPrivateKey(f.node[t].pkcs8), publicKey }).toString('hex') === m.secret;
  }
  out[t] = r;
}
console.log(JSON.stringify(out));
"""


def test_node_reads_verifies_and_agrees_with_what_the_edge_made(edge_results, fixtures):
    out = json.loads(node("-e", NODE_CHECKS, json.dumps([fixtures, edge_results["made"]])))
    assert out == {
        "P-256": {"type": "ec", "curve": "prime256v1", "verifies": True, "agrees": True},
        "P-384": {"type": "ec", "curve": "secp384r1", "verifies": True, "agrees": True},
        "P-521": {"type": "ec", "curve": "secp521r1", "verifies": True, "agrees": True},
        "secp256k1": {"type": "ec", "curve": "secp256k1", "verifies": True, "agrees": True},
        "ed25519": {"type": "ed25519", "curve": None, "verifies": True},
        "x25519": {"type": "x25519", "curve": None, "agrees": True},
    }
