"""crypto.subtle in the sandbox (globalThis.crypto.subtle, require('crypto').webcrypto.subtle): Node makes
keys at test time in every format (raw, SPKI, PKCS#8, JWK; HMAC, RSA-2048 and -512, EC on P-256,
P-384 and P-521, Ed25519, AES-128/192/256) and signs and encrypts with its own crypto.subtle; then
tests/js/webcrypto/cases.js runs in the edge function and in Node and every result must match:
digests, HMAC, RSASSA-PKCS1-v1_5 and Ed25519 signatures byte for byte, Node's ECDSA signatures
verified (the edge's, RFC 6979 ones, verified by Node), AES-GCM, AES-CBC and AES-CTR both ways
(AAD, tag lengths, counter lengths and wrap-around), PBKDF2 and HKDF, deriveKey, generateKey,
wrapKey/unwrapKey, CryptoKey objects and their use as KeyObjects, and Node's errors (TypeErrors
from its WebIDL layer, DOMExceptions by name and message). What Node has and the edge does not
rejects saying what there is. Then a viewer-request function that checks an HS256 JWT with
crypto.subtle only, through the real server against the same code in Node, and the fuel of an
ES256 verification."""

from __future__ import annotations

import json
import shutil

import pytest

from edge.runtime import FunctionConfig, Limits, Runtime

from .conftest import Edge
from .js_helpers import JS, build, node, node_comparison
from .test_samples import make_event, viewer_request

CASES = JS / "webcrypto" / "cases.js"
TOKEN = JS / "webcrypto" / "token.js"
ES256 = JS / "webcrypto" / "es256.js"

MAKE_FIXTURES = r"""
const crypto = require('crypto');
const { subtle } = crypto.webcrypto;
const b64 = (x) => Buffer.from(x instanceof ArrayBuffer ? new Uint8Array(x) : x).toString('base64');
(async () => {
  const message = 'header.payload, signed at ' + Date.now();
  const msg = Buffer.from(message);
  const HASHES = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'];
  const hmacKey = crypto.randomBytes(64);
  const hmac = { key: b64(hmacKey), sigs: {} };
  for (const hash of HASHES) {
    const k = await subtle.importKey('raw', hmacKey, { name: 'HMAC', hash }, false, ['sign']);
    hmac.sigs[hash] = b64(await subtle.sign('HMAC', k, msg));
  }
  const rsaPair = await subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256' }, true, ['sign', 'verify']);
  const rsa = { spki: b64(await subtle.exportKey('spki', rsaPair.publicKey)), pkcs8: b64(await subtle.exportKey('pkcs8', rsaPair.privateKey)),
    jwk: await subtle.exportKey('jwk', rsaPair.publicKey), privateJwk: await subtle.exportKey('jwk', rsaPair.privateKey), sigs: {} };
  delete rsa.jwk.alg; delete rsa.privateJwk.alg; delete rsa.jwk.key_ops; delete rsa.privateJwk.key_ops;
  for (const hash of HASHES) {
    const k = await subtle.importKey('pkcs8', await subtle.exportKey('pkcs8', rsaPair.privateKey), { name: 'RSASSA-PKCS1-v1_5', hash }, false, ['sign']);
    rsa.sigs[hash] = b64(await subtle.sign('RSASSA-PKCS1-v1_5', k, msg));
  }
  const small = crypto.generateKeyPairSync('rsa', { modulusLength: 512 }).privateKey.export({ format: 'jwk' });
  const ec = {};
  for (const [curve, hash] of Object.entries({ 'P-256': 'SHA-256', 'P-384': 'SHA-384', 'P-521': 'SHA-512' })) {
    const pair = await subtle.generateKey({ name: 'ECDSA', namedCurve: curve }, true, ['sign', 'verify']);
    const raw = Buffer.from(await subtle.exportKey('raw', pair.publicKey));
    const size = (raw.length - 1) / 2;
    const compressed = Buffer.concat([Buffer.from([2 + (raw[raw.length - 1] & 1)]), raw.subarray(1, 1 + size)]);
    const jwk = await subtle.exportKey('jwk', pair.publicKey);
    const privateJwk = await subtle.exportKey('jwk', pair.privateKey);
    for (const j of [jwk, privateJwk]) { delete j.key_ops; delete j.ext; }
    const other = await subtle.exportKey('jwk', (await subtle.generateKey({ name: 'ECDSA', namedCurve: curve }, true, ['sign'])).privateKey);
    ec[curve] = { spki: b64(await subtle.exportKey('spki', pair.publicKey)), pkcs8: b64(await subtle.exportKey('pkcs8', pair.privateKey)),
      raw: b64(raw), compressed: b64(compressed), jwk, privateJwk, otherD: other.d, hash,
      sig: b64(await subtle.sign({ name: 'ECDSA', hash }, pair.privateKey, msg)) };
  }
  const edPair = await subtle.generateKey('Ed25519', true, ['sign', 'verify']);
  const edJwk = await subtle.exportKey('jwk', edPair.publicKey);
  const edPrivateJwk = await subtle.exportKey('jwk', edPair.privateKey);
  for (const j of [edJwk, edPrivateJwk]) { delete j.key_ops; delete j.ext; }
  const ed = { spki: b64(await subtle.exportKey('spki', edPair.publicKey)), pkcs8: b64(await subtle.exportKey('pkcs8', edPair.privateKey)),
    raw: b64(await subtle.exportKey('raw', edPair.publicKey)), jwk: edJwk, privateJwk: edPrivateJwk,
    sig: b64(await subtle.sign('Ed25519', edPair.privateKey, msg)) };
  const aes = {};
  const aesVectors = {};
  for (const bits of [128, 192, 256]) {
    const key = crypto.randomBytes(bits / 8);
    aes[bits] = b64(key);
    const pt = crypto.randomBytes(100 + crypto.randomInt(100));
    const iv = crypto.randomBytes(12);
    const aad = crypto.randomBytes(16);
    const cbcIv = crypto.randomBytes(16);
    const counter = crypto.randomBytes(16);
    const k = (name) => subtle.importKey('raw', key, name, false, ['encrypt']);
    aesVectors[bits] = {
      gcm: { iv: b64(iv), aad: b64(aad), pt: b64(pt), ct: b64(await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, await k('AES-GCM'), pt)) },
      cbc: { iv: b64(cbcIv), pt: b64(pt), ct: b64(await subtle.encrypt({ name: 'AES-CBC', iv: cbcIv }, await k('AES-CBC'), pt)) },
      ctr: { counter: b64(counter), pt: b64(pt), ct: b64(await subtle.encrypt({ name: 'AES-CTR', counter, length: 64 }, await k('AES-CTR'), pt)) },
    };
  }
  const k256Spki = b64(crypto.generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'der' }));
  console.log(JSON.stringify({ message, hmac, rsa, small: { privateJwk: small }, ec, ed, aes, aesVectors, k256Spki,
    salt: b64(crypto.randomBytes(16)), tokenSecret: crypto.randomBytes(32).toString('hex') }));
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


fixtures, node_results, edge_results = node_comparison("webcrypto", CASES, MAKE_FIXTURES, HANDLER)


HASHES = ("SHA-1", "SHA-256", "SHA-384", "SHA-512")
CURVES = {"P-256": "SHA-256", "P-384": "SHA-384", "P-521": "SHA-512"}


def common_case_names() -> list[str]:
    names = ["digest", *(f"hmac_{h}" for h in HASHES), "rsa_keys", "rsa_verify", "rsa_sign", "rsa_small"]
    for curve in CURVES:
        names += [f"ec_keys_{curve}", f"ec_verify_{curve}"]
    names.append("ed25519")
    for bits in (128, 192, 256):
        names += [f"aes_gcm_{bits}", f"aes_cbc_{bits}", f"aes_ctr_{bits}"]
    return names + ["aes_jwk", "pbkdf2", "hkdf", "generate", "wrap", "objects", "asymmetric_objects", "errors"]


@pytest.mark.parametrize("case", common_case_names())
def test_subtle_matches_node(case, edge_results, node_results):
    assert case in node_results["common"]
    assert edge_results["common"][case] == node_results["common"][case]


def test_every_case_is_checked(node_results):
    assert sorted(node_results["common"]) == sorted(common_case_names())


def test_the_cases_test_what_they_say(edge_results):
    # what Node answers is checked above; here, that the cases test what they say they do
    common = edge_results["common"]
    for h in HASHES:
        hmac = common[f"hmac_{h}"]
        assert [hmac["node"], hmac["tampered"], hmac["other_message"], hmac["short"]] == [True, False, False, False], h
        assert hmac["again"][1] is True and hmac["jwk"]["alg"] == f"HS{h[4:]}"
    verify = common["rsa_verify"]
    for h in HASHES:
        assert verify[h] == [True, False, False], h
    assert verify["jwk"] is True and verify["short"] is False
    assert common["rsa_sign"][1:] == [True, True]  # Node's signature, byte for byte
    assert common["rsa_small"]["SHA-512"]["error"] == "OperationError"
    assert common["rsa_keys"]["pub"]["algorithm"]["publicExponent"] == "bytes:010001"
    for curve in CURVES:
        assert common[f"ec_verify_{curve}"] == [True, True, False, False, False, False, False], curve
        keys = common[f"ec_keys_{curve}"]
        assert keys["raw"] == keys["compressed_raw"] and keys["raw"].startswith(("bytes:04", "sha256:"))  # uncompressed
    ed = common["ed25519"]
    assert ed["same_as_node"] is True and ed["verify"] == [True, False, False, False]
    for bits in (128, 192, 256):
        gcm = common[f"aes_gcm_{bits}"]
        assert gcm["node_plain"] is True
        assert all(w["error"] == "OperationError" for w in gcm["wrong"])
        assert common[f"aes_cbc_{bits}"]["node"] is True and common[f"aes_ctr_{bits}"]["node"] is True
        ctr = common[f"aes_ctr_{bits}"]
        assert ctr["00000000000000000000000000000000_1_33"]["error"] == "OperationError"  # 3 blocks, 2 counters
        assert ctr["00000000000000000000000000000003_2_16"][1] == "bytes:" + bytes((i * 31 + 7) & 255 for i in range(16)).hex()
    assert common["generate"]["differ"] is True and common["generate"]["round_trip"] is True
    assert common["objects"]["types"] == [True, False, False, False, True]
    assert common["objects"]["same"] == [True, True, True]
    assert common["asymmetric_objects"][2:4] == [True, True]


ERRORS = {  # case -> (error name, code): Node's WebIDL TypeErrors have a code, DOMExceptions a name
    "digest_missing": ("TypeError", "ERR_MISSING_ARGS"), "digest_data": ("TypeError", "ERR_INVALID_ARG_TYPE"),
    "digest_unknown": ("NotSupportedError", 9), "digest_number": ("NotSupportedError", 9),
    "digest_no_name": ("TypeError", "ERR_MISSING_OPTION"), "digest_sha224": ("NotSupportedError", 9),
    "import_format": ("TypeError", "ERR_INVALID_ARG_VALUE"), "import_usage_enum": ("TypeError", "ERR_INVALID_ARG_VALUE"),
    "import_usage": ("SyntaxError", 12), "import_usages_not_sequence": ("TypeError", "ERR_INVALID_ARG_TYPE"),
    "import_empty_usages": ("SyntaxError", 12), "import_no_hash": ("TypeError", "ERR_MISSING_OPTION"),
    "import_hash_unknown": ("NotSupportedError", 9), "import_spki_hmac": ("Error", 0), "import_zero": ("DataError", 0),
    "import_length": ("DataError", 0), "import_length_zero": ("DataError", 0), "import_length_range": ("TypeError", "ERR_OUT_OF_RANGE"),
    "import_jwk_data": ("DataError", 0), "import_jwk_kty": ("DataError", 0), "import_jwk_no_kty": ("DataError", 0),
    "import_jwk_no_k": ("DataError", 0), "import_jwk_use": ("DataError", 0), "import_jwk_alg": ("DataError", 0),
    "import_jwk_ext": ("DataError", 0), "import_jwk_ops": ("DataError", 0), "import_jwk_ops_twice": ("DataError", 0),
    "import_jwk_not_object": ("TypeError", "ERR_INVALID_ARG_TYPE"), "import_data": ("TypeError", "ERR_INVALID_ARG_TYPE"),
    "import_unknown": ("NotSupportedError", 9), "import_missing": ("TypeError", "ERR_MISSING_ARGS"),
    "import_aes_length": ("DataError", 0), "import_aes_usage": ("SyntaxError", 12), "import_aes_spki": ("NotSupportedError", 9),
    "import_aes_jwk_alg": ("DataError", 0), "import_pbkdf2_extractable": ("SyntaxError", 12),
    "import_pbkdf2_usage": ("SyntaxError", 12), "import_pbkdf2_jwk": ("NotSupportedError", 9),
    "import_ec_curve": ("NotSupportedError", 9), "import_ec_mismatch": ("DataError", 0), "import_ec_k256": ("DataError", 0),
    "import_ec_rsa": ("DataError", 0), "import_ec_garbage": ("DataError", 0), "import_ec_usage": ("SyntaxError", 12),
    "import_ec_private_usage": ("SyntaxError", 12), "import_ec_raw_bad": ("DataError", 0), "import_ec_raw_short": ("DataError", 0),
    "import_ec_jwk_crv": ("DataError", 0), "import_ec_jwk_kty": ("DataError", 0), "import_ec_jwk_alg": ("DataError", 0),
    "import_ec_jwk_use": ("DataError", 0), "import_ec_jwk_off_curve": ("DataError", 0), "import_ec_jwk_wrong_d": ("DataError", 0),
    "import_ec_empty_private": ("SyntaxError", 12), "import_rsa_usage": ("SyntaxError", 12), "import_rsa_ec": ("DataError", 0),
    "import_rsa_raw": ("NotSupportedError", 9), "import_rsa_jwk_alg": ("DataError", 0), "import_ed_raw": ("DataError", 0),
    "import_ed_usage": ("SyntaxError", 12), "import_ed_jwk_crv": ("DataError", 0), "import_ed_jwk_mismatch": ("DataError", 0),
    "import_ed_ec": ("DataError", 0),
    "export_not_extractable": ("InvalidAccessException", 0), "export_format": ("TypeError", "ERR_INVALID_ARG_VALUE"),
    "export_not_key": ("TypeError", "ERR_INVALID_ARG_TYPE"), "export_spki_secret": ("InvalidAccessError", 15),
    "export_pkcs8_public": ("InvalidAccessError", 15),
    "sign_usage": ("InvalidAccessError", 15), "sign_algorithm": ("TypeError", "ERR_MISSING_OPTION"),
    "sign_not_key": ("TypeError", "ERR_INVALID_ARG_TYPE"), "sign_missing": ("TypeError", "ERR_MISSING_ARGS"),
    "sign_public": ("InvalidAccessError", 15), "sign_ecdsa_no_hash": ("TypeError", "ERR_MISSING_OPTION"),
    "verify_usage": ("InvalidAccessError", 15),
    "encrypt_usage": ("InvalidAccessError", 15), "encrypt_no_iv": ("TypeError", "ERR_MISSING_OPTION"),
    "encrypt_tag": ("OperationError", 0), "encrypt_tag_range": ("TypeError", "ERR_OUT_OF_RANGE"),
    "encrypt_empty_iv": ("OperationError", 0), "encrypt_iv_type": ("TypeError", "ERR_INVALID_ARG_TYPE"),
    "encrypt_cbc_key": ("InvalidAccessError", 15), "encrypt_unknown": ("NotSupportedError", 9),
    "decrypt_usage": ("InvalidAccessError", 15),
    "derive_usage": ("InvalidAccessError", 15), "derive_mismatch": ("InvalidAccessError", 15),
    "derive_no_salt": ("TypeError", "ERR_MISSING_OPTION"), "derive_iterations": ("TypeError", "ERR_OUT_OF_RANGE"),
    "derive_key_usage": ("InvalidAccessError", 15),
    "generate_aes_length": ("OperationError", 0), "generate_aes_no_length": ("TypeError", "ERR_MISSING_OPTION"),
    "generate_aes_usage": ("SyntaxError", 12), "generate_empty": ("SyntaxError", 12),
    "generate_hmac_odd": ("TypeError", "ERR_INVALID_ARG_VALUE"), "generate_hmac_zero": ("OperationError", 0),
    "generate_hmac_usage": ("SyntaxError", 12), "generate_unknown": ("NotSupportedError", 9),
    "generate_pbkdf2": ("NotSupportedError", 9),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_are_nodes(case, edge_results, node_results):
    expected = node_results["common"]["errors"][case]
    got = edge_results["common"]["errors"][case]
    assert got == expected
    assert (got["error"], got["code"]) == ERRORS[case]


def test_every_error_is_checked(node_results):
    assert sorted(node_results["common"]["errors"]) == sorted(ERRORS)


@pytest.mark.parametrize("case", ["ed448_sign", "x448_import", "generate_rsa", "generate_ed448", "generate_x448"])
def test_what_the_edge_refuses_says_what_there_is(case, edge_results):
    err = edge_results["edge"]["unsupported"][case]
    assert err["error"] == "NotSupportedError" and err["dom"] is True, err
    assert "is not available in edge functions" in err["message"]
    if case == "generate_rsa":
        assert "generateKey makes HMAC and AES keys and ECDSA, ECDH (P-256, P-384, P-521), Ed25519 and X25519 key pairs" in err["message"]
    else:
        assert "RSASSA-PKCS1-v1_5, RSA-PSS, ECDSA (P-256, P-384, P-521) and Ed25519" in err["message"]


NODE_VERIFIES = r"""
const { subtle } = require('crypto').webcrypto;
const [f, made] = JSON.parse(process.argv[1]);
(async () => {
  const out = {};
  for (const [curve, hash] of Object.entries({ 'P-256': 'SHA-256', 'P-384': 'SHA-384', 'P-521': 'SHA-512' })) {
    const key = await subtle.importKey('spki', Buffer.from(f.ec[curve].spki, 'base64'), { name: 'ECDSA', namedCurve: curve }, false, ['verify']);
    const m = made[`ec_sign_${curve}`];
    out[curve] = [await subtle.verify({ name: 'ECDSA', hash }, key, Buffer.from(m.sig, 'hex'), Buffer.from(f.message)),
      await subtle.verify({ name: 'ECDSA', hash: 'SHA-1' }, key, Buffer.from(m.sha1, 'hex'), Buffer.from(f.message)), m.self, m.length];
  }
  console.log(JSON.stringify(out));
})();
"""


def test_node_verifies_the_edges_ecdsa_signatures(edge_results, fixtures):
    out = json.loads(node("-e", NODE_VERIFIES, json.dumps([fixtures, edge_results["made"]])))
    assert out == {"P-256": [True, True, True, 64], "P-384": [True, True, True, 96], "P-521": [True, True, True, 132]}


# A viewer-request function that checks an HS256 JWT with crypto.subtle, end to end
MAKE_TOKENS = r"""
const crypto = require('crypto');
const [secret] = JSON.parse(process.argv[1]);
const b64u = (x) => Buffer.from(x).toString('base64url');
function token(claims, key = secret, alg = 'HS256') {
  const input = `${b64u(JSON.stringify({ alg, typ: 'JWT' }))}.${b64u(JSON.stringify(claims))}`;
  return `${input}.${crypto.createHmac('sha256', key).update(input).digest('base64url')}`;
}
const exp = Math.floor(Date.now() / 1000) + 600;
const valid = token({ sub: 'alice', exp });
const [h, p, s] = valid.split('.');
console.log(JSON.stringify({
  valid, cookie: token({ sub: 'bob', exp }), expired: token({ sub: 'carol', exp: exp - 1200 }),
  otherKey: token({ sub: 'mallory', exp }, 'another secret'), none: token({ sub: 'mallory', exp }, secret, 'none'),
  forged: `${h}.${b64u(JSON.stringify({ sub: 'admin', exp }))}.${s}`, garbage: 'a.b.c', noExp: token({ sub: 'dave' }),
}));
"""

NODE_HANDLES = r"""
const path = require('path');
const [dir, events] = JSON.parse(process.argv[1]);
const { handler } = require(path.join(dir, 'index.js'));
(async () => {
  const out = [];
  for (const e of events) out.push(await handler(e));
  console.log(JSON.stringify(out));
})();
"""

TOKEN_KINDS = ("valid", "cookie", "expired", "otherKey", "none", "forged", "garbage", "noExp", None)


@pytest.fixture(scope="module")
def tokens(fixtures) -> dict:
    return json.loads(node("-e", MAKE_TOKENS, json.dumps([fixtures["tokenSecret"]])))


def _function(name, source, fixtures, tmp_path_factory):  # type: ignore[no-untyped-def]
    src = tmp_path_factory.mktemp(f"js-{name}-src") / name
    src.mkdir()
    shutil.copy(source, src / "index.js")
    (src / "fixtures.js").write_text(f"module.exports = {json.dumps(fixtures)};\n")
    return src, build(name, tmp_path_factory.mktemp(f"js-{name}"), source=src)


@pytest.fixture(scope="module")
def token_function(fixtures, tmp_path_factory):  # type: ignore[no-untyped-def]
    return _function("token", TOKEN, {"tokenSecret": fixtures["tokenSecret"]}, tmp_path_factory)


def _headers(kind, tokens) -> dict:
    if kind is None:
        return {}
    if kind == "cookie":
        return {"cookie": f"theme=dark; token={tokens[kind]}"}
    return {"authorization": f"Bearer {tokens[kind]}"}


def test_a_viewer_request_checks_an_hs256_jwt_with_subtle_as_node_does(token_function, tokens, tmp_path):
    src, wasm = token_function
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(f'[origins.echo]\ntype = "echo"\n\n[functions.token]\nsource = "{wasm}"\n\n'
                        '[[behaviors]]\npath = "*"\norigin = "echo"\ncache = "disabled"\nviewer_request = "token"\n')
    server = Edge(manifest, tmp_path / "state")
    server.server.start()
    served = {}
    try:
        for kind in TOKEN_KINDS:
            r = server.get("/api/orders", headers=_headers(kind, tokens))
            if r.status_code == 200:
                served[kind] = ["pass", {k.lower(): v for k, v in r.json()["headers"]}.get("x-user")]
            else:
                served[kind] = [r.status_code, r.headers.get("www-authenticate")]
    finally:
        server.close()
    assert served["valid"] == ["pass", "alice"] and served["cookie"] == ["pass", "bob"]
    for kind in ("expired", "otherKey", "none", "forged", "garbage", "noExp", None):
        assert served[kind] == [401, 'Bearer realm="edge"'], kind
    # the same handler in Node, on the same events
    events = []
    for kind in TOKEN_KINDS:
        headers = {k: [{"key": k.title(), "value": v}] for k, v in _headers(kind, tokens).items()}
        headers["host"] = [{"key": "Host", "value": "example.com"}]
        events.append(make_event("viewer-request", viewer_request(uri="/api/orders", headers=headers)))
    results = json.loads(node("-e", NODE_HANDLES, json.dumps([str(src), events])))
    in_node = {}
    for kind, result in zip(TOKEN_KINDS, results):
        if "status" in result:
            in_node[kind] = [int(result["status"]), result["headers"]["www-authenticate"][0]["value"]]
        else:
            in_node[kind] = ["pass", result["headers"]["x-user"][0]["value"]]
    assert served == in_node


@pytest.fixture(scope="module")
def es256_function(tmp_path_factory):  # type: ignore[no-untyped-def]
    script = r"""
const crypto = require('crypto');
const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const message = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ';
console.log(JSON.stringify({ es256: { jwk: publicKey.export({ format: 'jwk' }), message,
  signature: crypto.sign('sha256', Buffer.from(message), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64') } }));
"""
    return _function("es256", ES256, json.loads(node("-e", script)), tmp_path_factory)[1]


def test_the_fuel_of_an_es256_verification_with_subtle(es256_function):
    runtime = Runtime()
    fn = runtime.function(es256_function.read_bytes(), FunctionConfig(name="es256", limits=Limits()))
    fuel = {}
    try:
        for uri in ("/ok", "/tampered"):
            event = make_event("viewer-request", viewer_request(uri=uri, headers={"host": [{"key": "Host", "value": "example.com"}]}))
            outcome = fn.invoke(json.dumps(event).encode(), None)
            assert outcome.ok, (outcome.error, outcome.message)
            assert outcome.value["status"] == ("200" if uri == "/ok" else "403")
            fuel[uri] = outcome.fuel_used
    finally:
        fn.close()
    print(f"\nfuel: one ES256 verification with crypto.subtle {fuel['/ok']:,} (a wrong one {fuel['/tampered']:,})")
    # the key was imported at build time; one P-256 verification, ~45 million fuel, a fortieth of the default
    assert fuel["/ok"] < Limits().fuel // 20, fuel


def test_the_fuel_of_checking_an_hs256_jwt_with_subtle(token_function, tokens):
    _, wasm = token_function
    runtime = Runtime()
    fn = runtime.function(wasm.read_bytes(), FunctionConfig(name="token", limits=Limits()))
    try:
        headers = {"host": [{"key": "Host", "value": "example.com"}],
                   "authorization": [{"key": "Authorization", "value": f"Bearer {tokens['valid']}"}]}
        outcome = fn.invoke(json.dumps(make_event("viewer-request", viewer_request(uri="/a", headers=headers))).encode(), None)
    finally:
        fn.close()
    assert outcome.ok, (outcome.error, outcome.message)
    assert outcome.value["headers"]["x-user"][0]["value"] == "alice"
    print(f"\nfuel: an HS256 JWT checked with crypto.subtle {outcome.fuel_used:,}")
    assert outcome.fuel_used < 5_000_000, outcome.fuel_used
