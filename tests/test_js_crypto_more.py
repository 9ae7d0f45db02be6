"""RSA-PSS, RSA-OAEP, ECDH, X25519 and AES-KW in the sandbox, crypto.subtle and require('crypto'):
Node makes keys at test time (RSA-2048, EC on P-256, P-384 and P-521, X25519, AES) and signs,
encrypts and wraps with them; tests/js/crypto_more/cases.js runs in the edge function and in Node
and every result must match: Node's PSS signatures verify (salt lengths given, found, the digest's),
Node's OAEP ciphertexts decrypt (labels, each hash, crypto.privateDecrypt's options), ECDH and
X25519 secrets are Node's for the same keys (RFC 7748's vector too), AES-KW wraps byte for byte as
Node and RFC 3394 do, and bad input fails with Node's error (name, code, message). Then Node
verifies the edge's PSS signatures and decrypts its OAEP ciphertexts (both randomized)."""

from __future__ import annotations

import json

import pytest

from .js_helpers import JS, node, node_comparison

CASES = JS / "crypto_more" / "cases.js"

MAKE_FIXTURES = r"""
const crypto = require('crypto');
const { subtle } = crypto.webcrypto;
const b64 = (x) => Buffer.from(x instanceof ArrayBuffer ? new Uint8Array(x) : x).toString('base64');
(async () => {
  const message = 'a message to sign, at ' + Date.now();
  const msg = Buffer.from(message);
  const HASHES = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'];
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
  const rsa = { spki: b64(spki), pkcs8: b64(pkcs8), jwk: publicKey.export({ format: 'jwk' }), privateJwk: privateKey.export({ format: 'jwk' }),
    pem: publicKey.export({ type: 'spki', format: 'pem' }), privatePem: privateKey.export({ type: 'pkcs1', format: 'pem' }) };
  const pss = {};
  const oaep = {};
  for (const hash of HASHES) {
    const k = await subtle.importKey('pkcs8', pkcs8, { name: 'RSA-PSS', hash }, false, ['sign']);
    pss[hash] = b64(await subtle.sign({ name: 'RSA-PSS', saltLength: 32 }, k, msg));
    const e = await subtle.importKey('spki', spki, { name: 'RSA-OAEP', hash }, false, ['encrypt']);
    const plain = crypto.randomBytes(20 + crypto.randomInt(40));
    const label = crypto.randomBytes(crypto.randomInt(1, 20));
    oaep[hash] = { plain: b64(plain), label: b64(label), ct: b64(await subtle.encrypt({ name: 'RSA-OAEP', label }, e, plain)),
      noLabel: b64(await subtle.encrypt({ name: 'RSA-OAEP' }, e, plain)) };
  }
  const pssNode = {}; // crypto.sign's salt lengths: the most (its default), the digest's, none, 17
  for (const [hash, salt, length] of [['sha256', -2, 256 - 32 - 2], ['sha512', -1, 64], ['sha1', 0, 0], ['sha384', 17, 17]]) {
    pssNode[`${hash}_${length}`] = b64(crypto.sign(hash, msg, { key: privateKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: salt }));
  }
  let pssShort; // a PSS signature (salt length 0: the same for the same message) whose first byte is 0
  for (let i = 0; !pssShort; i++) {
    const sig = crypto.sign('sha256', Buffer.from(`short ${i}`), { key: privateKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 0 });
    if (sig[0] === 0) pssShort = { message: `short ${i}`, sig: b64(sig) };
  }
  const oaepCrypto = {
    ct: b64(crypto.publicEncrypt({ key: publicKey, oaepHash: 'sha256', oaepLabel: Buffer.from('a label') }, Buffer.from('a secret'))),
    sha1: b64(crypto.publicEncrypt(publicKey, Buffer.from('another secret'))),
    raw: b64(crypto.publicEncrypt({ key: publicKey, padding: crypto.constants.RSA_NO_PADDING },
      Buffer.concat([Buffer.from([0]), crypto.randomBytes(255)]))),
    privateEncrypted: b64(crypto.privateEncrypt(privateKey, Buffer.from('by Node'))),
  };
  const pair = (type, options) => {
    const p = crypto.generateKeyPairSync(type, options);
    const priv = p.privateKey.export({ format: 'jwk' });
    return { pkcs8: b64(p.privateKey.export({ type: 'pkcs8', format: 'der' })), spki: b64(p.publicKey.export({ type: 'spki', format: 'der' })),
      jwk: p.publicKey.export({ format: 'jwk' }), privateJwk: priv, pem: p.privateKey.export({ type: 'pkcs8', format: 'pem' }),
      raw: type === 'ec' ? b64(Buffer.concat([Buffer.from([4]), Buffer.from(priv.x, 'base64url'), Buffer.from(priv.y, 'base64url')]))
        : b64(Buffer.from(priv.x, 'base64url')) };
  };
  const ec = {};
  for (const curve of ['P-256', 'P-384', 'P-521']) ec[curve] = { a: pair('ec', { namedCurve: curve }), b: pair('ec', { namedCurve: curve }) };
  const okp = (d, x) => ({ kty: 'OKP', crv: 'X25519', ...(d ? { d: Buffer.from(d, 'hex').toString('base64url') } : {}),
    x: Buffer.from(x, 'hex').toString('base64url') });
  const x25519 = { a: pair('x25519'), b: pair('x25519'), rfc: { // RFC 7748 6.1
    alice: okp('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'),
    bobPublic: okp(null, 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f') } };
  const kw = { keys: {}, wrapped: {}, data: b64(crypto.randomBytes(32)), hmac: b64(crypto.randomBytes(40)) };
  for (const bits of [128, 192, 256]) {
    const key = crypto.randomBytes(bits / 8);
    kw.keys[bits] = b64(key);
    const kek = await subtle.importKey('raw', key, 'AES-KW', false, ['wrapKey']);
    const data = await subtle.importKey('raw', crypto.randomBytes(16), 'AES-CBC', true, ['decrypt']);
    kw.wrapped[bits] = b64(await subtle.wrapKey('raw', data, kek, 'AES-KW'));
  }
  const wrapping = await subtle.importKey('spki', spki, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['wrapKey']);
  const oaepWrap = {
    raw: b64(await subtle.wrapKey('raw', await subtle.importKey('raw', crypto.randomBytes(32), 'AES-GCM', true, ['encrypt']), wrapping, 'RSA-OAEP')),
    jwk: b64(await subtle.wrapKey('jwk', await subtle.importKey('raw', crypto.randomBytes(32), { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']),
      wrapping, 'RSA-OAEP')),
  };
  const ed25519Spki = b64(crypto.generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }));
  console.log(JSON.stringify({ message, rsa, pss, pssNode, pssShort, oaep, oaepCrypto, oaepWrap, ec, x25519, kw, ed25519Spki }));
})();
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

fixtures, node_results, edge_results = node_comparison("crypto_more", CASES, MAKE_FIXTURES, HANDLER)

HASHES = ("SHA-1", "SHA-256", "SHA-384", "SHA-512")
CURVES = ("P-256", "P-384", "P-521")
COMMON = [*(f"pss_verify_{h}" for h in HASHES), "pss_node_defaults", "pss_short_signature", "pss_sign", *(f"oaep_decrypt_{h}" for h in HASHES),
          "oaep_crypto", "oaep_crypto_more", "oaep_wrap", *(f"ecdh_{c}" for c in CURVES), *(f"ecdh_crypto_{c}" for c in CURVES),
          "ecdh_generated", "x25519", "aes_kw_rfc3394", "aes_kw", "errors", "timing_safe_equal"]


@pytest.mark.parametrize("case", COMMON)
def test_matches_node(case, edge_results, node_results):
    assert case in node_results["common"]
    assert edge_results["common"][case] == node_results["common"][case]


def test_every_case_is_checked(node_results):
    assert sorted(node_results["common"]) == sorted(COMMON)


def test_the_cases_test_what_they_say(edge_results):
    common = edge_results["common"]
    for h in HASHES:  # Node's signature: valid (salt 32, found, ...), tampered, other salt, short, PKCS#1 v1.5
        got = common[f"pss_verify_{h}"]
        assert got[:8] == [True, True, False, False, False, False, True, True] and got[8] is False and got[10] is False, h
        assert got[9] is (h == "SHA-256")  # the digest's length is 32 for SHA-256 only
        dec = common[f"oaep_decrypt_{h}"]
        assert dec[0] == dec[4] and dec[0].startswith("bytes:"), h
        assert all(d["error"] == "OperationError" for d in dec[1:4]), h
    assert common["pss_node_defaults"] == {"sha256_222": [True, True, True], "sha512_64": [True, True, False],
                                           "sha1_0": [True, True, False], "sha384_17": [True, True, False]}
    assert common["pss_short_signature"] == [0, True, True, False, False, True, True, True]
    assert common["pss_sign"]["subtle"] == [256, True, True, True] and common["pss_sign"]["crypto"] == [True, True, True]
    oaep = common["oaep_crypto"]
    assert oaep["sha256"] == "bytes:" + b"a secret".hex() and oaep["pkcs8"] == oaep["default"]
    for case in ("wrongLabel", "wrongHash", "tampered"):
        assert oaep[case]["code"] == "ERR_OSSL_RSA_OAEP_DECODING_ERROR", case
    assert common["oaep_crypto_more"]["roundTrip"] == "round trip"
    for curve in CURVES:
        ecdh = common[f"ecdh_{curve}"]
        assert ecdh["secret"] == ecdh["raw"] == ecdh["jwk"] and ecdh["exported"][3:] == [True, True]
        crypto = common[f"ecdh_crypto_{curve}"]
        assert crypto["diffieHellman"] == crypto["fromCryptoKey"] == crypto["ecdh"][3] == ecdh["secret"]
        assert ecdh["bits12"] == ecdh["secret"][:9] + "0" and ecdh["aes"] == ecdh["secret"][:6 + 64]
    x = common["x25519"]
    assert x["ab"] == x["ba"] == x["jwk"] == x["diffieHellman"] and x["zero"]["error"] == "OperationError"
    assert x["rfc"] == "bytes:4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
    assert common["aes_kw_rfc3394"] == [[True, True]] * 6
    for bits in ("128", "192", "256"):
        kw = common["aes_kw"][bits]
        assert kw["node"].startswith("bytes:") and kw["tampered"]["error"] == kw["short"]["error"] == "OperationError"


ERRORS = {  # case -> error name (TypeErrors and Node's crypto errors also have a code)
    "pss_no_salt": "TypeError", "pss_salt_too_long": "OperationError", "pss_verify_salt_too_long": "OperationError",
    "pss_salt_range": "TypeError", "pss_with_rsassa_key": "InvalidAccessError", "pss_public_sign": "InvalidAccessError",
    "pss_usage": "SyntaxError", "pss_jwk_alg": "DataError", "pss_jwk_use": "DataError", "pss_ec_key": "DataError",
    "pss_crypto_salt": "Error", "pss_crypto_salt_negative": "Error", "pss_crypto_salt_type": "TypeError",
    "pss_crypto_verify_negative": "Error", "pss_crypto_verify_salt_too_long": None,
    "oaep_usage": "SyntaxError", "oaep_private_usage": "SyntaxError", "oaep_jwk_use": "DataError", "oaep_jwk_alg": "DataError",
    "oaep_too_long": "OperationError", "oaep_private_encrypt": "InvalidAccessError", "oaep_label_type": "TypeError",
    "oaep_decrypt_garbage": "OperationError", "oaep_decrypt_empty": "OperationError", "oaep_decrypt_too_big": "OperationError",
    "oaep_with_aes_key": "InvalidAccessError",
    "ecdh_usage": "SyntaxError", "ecdh_private_usage": "SyntaxError", "ecdh_curve": "DataError", "ecdh_jwk_use": "DataError",
    "ecdh_raw_bad": "DataError", "ecdh_curve_mismatch": "InvalidAccessError", "ecdh_public_is_private": "InvalidAccessError",
    "ecdh_x25519_public": "InvalidAccessError", "ecdh_no_public": "TypeError", "ecdh_public_not_key": "TypeError",
    "ecdh_too_long": "OperationError", "ecdh_ecdsa_key": "InvalidAccessError", "ecdh_base_public": "InvalidAccessError",
    "ecdh_derive_hmac": "OperationError",
    "x25519_raw_short": "DataError", "x25519_usage": "SyntaxError", "x25519_jwk_crv": "DataError", "x25519_ed25519_spki": "DataError",
    "x25519_jwk_mismatch": "DataError", "x25519_zero": "OperationError", "x25519_ecdh_public": "InvalidAccessError",
    "kw_usage": "SyntaxError", "kw_length": "DataError", "kw_jwk_alg": "DataError", "kw_encrypt": "NotSupportedError",
    "kw_wrap_20_bytes": "OperationError", "kw_unwrap_usage": "InvalidAccessError", "kw_with_gcm_key": "InvalidAccessError",
    "gcm_with_kw_key": "InvalidAccessError", "kw_generate_usage": "SyntaxError",
    "dh_curve_mismatch": "Error", "dh_key_types": "Error", "dh_rsa": "Error", "dh_public_as_private": "TypeError",
    "dh_not_key": "TypeError", "dh_options": "TypeError", "dh_x25519_zero": "Error", "x25519_sign": "Error",
    "ecdh_curve_name": "TypeError", "ecdh_curve_type": "TypeError", "ecdh_bad_point": "Error", "ecdh_zero_private": "RangeError",
    "ecdh_format": "TypeError", "ecdh_no_keys": "Error", "ecdh_no_private": "Error",
    "ecdh_no_keys_bad_point": "RangeError", "ecdh_infinity": "Error", "ecdh_public_only": "Error",
    "ecdh_mismatched_pair": "RangeError", "ecdh_public_ecdsa": "InvalidAccessError", "ecdh_set_public_bad_point": "Error",
    "ecdh_convert_bad_point": "Error",
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_are_nodes(case, edge_results, node_results):
    expected = node_results["common"]["errors"][case]
    assert edge_results["common"]["errors"][case] == expected
    if ERRORS[case] is None:
        assert expected is False  # not an error: a signature that does not verify
    else:
        assert expected["error"] == ERRORS[case]


def test_every_error_is_checked(node_results):
    assert sorted(node_results["common"]["errors"]) == sorted(ERRORS)


@pytest.mark.parametrize("case", ["x448", "ed448", "generate_rsa_oaep", "generate_rsa_pss"])
def test_what_the_edge_refuses_says_what_there_is(case, edge_results):
    err = edge_results["edge"]["unsupported"][case]
    assert err["error"] == "NotSupportedError" and err["dom"] is True, err
    assert "is not available in edge functions" in err["message"]
    if case.startswith("generate_"):
        assert "generateKey makes HMAC and AES keys and ECDSA, ECDH (P-256, P-384, P-521), Ed25519 and X25519 key pairs" in err["message"]
    else:
        assert "RSA-PSS" in err["message"] and "ECDH (P-256, P-384, P-521) and X25519" in err["message"]


NODE_CHECKS = r"""
const crypto = require('crypto');
const { subtle } = crypto.webcrypto;
const [f, made] = JSON.parse(process.argv[1]);
const msg = Buffer.from(f.message);
const spki = Buffer.from(f.rsa.spki, 'base64');
const pkcs8 = Buffer.from(f.rsa.pkcs8, 'base64');
const P = crypto.constants.RSA_PKCS1_PSS_PADDING;
(async () => {
  const out = { pss: {}, oaep: {} };
  for (const hash of ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512']) {
    const key = await subtle.importKey('spki', spki, { name: 'RSA-PSS', hash }, false, ['verify']);
    const sig = Buffer.from(made.pss_made[hash], 'hex');
    out.pss[hash] = [await subtle.verify({ name: 'RSA-PSS', saltLength: 32 }, key, sig, msg),
      await subtle.verify({ name: 'RSA-PSS', saltLength: 31 }, key, sig, msg)];
    const dec = await subtle.importKey('pkcs8', pkcs8, { name: 'RSA-OAEP', hash }, false, ['decrypt']);
    out.oaep[hash] = Buffer.from(await subtle.decrypt({ name: 'RSA-OAEP', label: Buffer.from('made') }, dec,
      Buffer.from(made.oaep_made[hash], 'hex'))).toString('base64') === f.oaep['SHA-256'].plain;
  }
  const pssSig = Buffer.from(made.pss_made.crypto, 'hex');
  out.pss.crypto = [crypto.verify('sha256', msg, { key: f.rsa.pem, padding: P, saltLength: 256 - 32 - 2 }, pssSig),
    crypto.verify('sha256', msg, { key: f.rsa.pem }, pssSig)];
  out.oaep.crypto = crypto.privateDecrypt({ key: f.rsa.privatePem, oaepHash: 'sha256', oaepLabel: Buffer.from('made') },
    Buffer.from(made.oaep_made.crypto, 'hex')).toString('base64') === f.oaep['SHA-256'].plain;
  // PKCS#1 v1.5 encryption: Node 20 decrypts it no more (CVE-2023-46809); the raw block shows its padding
  const block = crypto.privateDecrypt({ key: f.rsa.privatePem, padding: crypto.constants.RSA_NO_PADDING }, Buffer.from(made.oaep_made.pkcs1, 'hex'));
  const plain = Buffer.from(f.oaep['SHA-256'].plain, 'base64');
  const ps = block.subarray(2, block.length - plain.length - 1);
  out.oaep.pkcs1 = block[0] === 0 && block[1] === 2 && ps.length >= 8 && !ps.includes(0) && block[block.length - plain.length - 1] === 0 &&
    block.subarray(block.length - plain.length).equals(plain);
  const unwrapping = await subtle.importKey('pkcs8', pkcs8, { name: 'RSA-OAEP', hash: 'SHA-512' }, false, ['unwrapKey']);
  const key = await subtle.unwrapKey('jwk', Buffer.from(made.oaep_made.wrapped, 'hex'), unwrapping, 'RSA-OAEP', 'AES-CBC', true, ['encrypt']);
  out.oaep.wrapped = Buffer.from(await subtle.exportKey('raw', key)).toString('base64') === f.kw.keys[256];
  console.log(JSON.stringify(out));
})();
"""


def test_node_verifies_and_decrypts_what_the_edge_made(edge_results, fixtures):
    out = json.loads(node("-e", NODE_CHECKS, json.dumps([fixtures, edge_results["made"]])))
    assert out["pss"] == {"SHA-1": [True, False], "SHA-256": [True, False], "SHA-384": [True, False], "SHA-512": [True, False],
                          "crypto": [True, False]}
    assert out["oaep"] == {"SHA-1": True, "SHA-256": True, "SHA-384": True, "SHA-512": True, "crypto": True, "pkcs1": True,
                           "wrapped": True}
