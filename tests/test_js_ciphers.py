"""AES ciphers in the sandbox (crypto.createCipheriv / createDecipheriv, createCipher / createDecipher,
getCiphers, getCipherInfo): Node makes keys and IVs at test time and encrypts with them; then
tests/js/ciphers/cases.js runs in the edge function and in Node, and every result must match: every
mode (GCM, CBC, CTR, ECB) and key size, plaintexts of every length, updates of every size, input
and output encodings, AAD and tags of every length, IVs of any length for GCM, padding on and off,
the wrong key, IV or tag, and Node's errors. What the edge encrypts with random IVs Node decrypts;
ciphers Node has and the edge does not say what there is. Then a viewer-request function that
decrypts an AES-256-GCM session cookie, through the real server, against the same code in Node,
and the fuel a 4 KB cookie takes."""

from __future__ import annotations

import json
import shutil

import pytest

from edge.runtime import FunctionConfig, Limits, Runtime

from .conftest import Edge
from .js_helpers import JS, build, node, node_comparison
from .test_samples import make_event, viewer_request

CASES = JS / "ciphers" / "cases.js"
COOKIE = JS / "ciphers" / "cookie.js"

MAKE_FIXTURES = r"""
const crypto = require('crypto');
const ciphers = {};
for (const bits of [128, 192, 256]) {
  for (const mode of ['gcm', 'cbc', 'ctr', 'ecb']) {
    const name = `aes-${bits}-${mode}`;
    const key = crypto.randomBytes(bits / 8);
    const iv = mode === 'ecb' ? null : crypto.randomBytes(mode === 'gcm' ? 12 : 16);
    const pt = crypto.randomBytes(200 + crypto.randomInt(100));
    const aad = mode === 'gcm' ? crypto.randomBytes(20) : null;
    const c = crypto.createCipheriv(name, key, iv);
    if (aad) c.setAAD(aad);
    const ct = Buffer.concat([c.update(pt), c.final()]);
    const b64 = (b) => b && b.toString('base64');
    ciphers[name] = { key: b64(key), other: b64(crypto.randomBytes(bits / 8)), iv: b64(iv), pt: b64(pt), ct: b64(ct),
      aad: b64(aad), tag: mode === 'gcm' ? b64(c.getAuthTag()) : null };
  }
}
console.log(JSON.stringify({
  ciphers, nodeCiphers: crypto.getCiphers(), message: 'a session, encrypted at ' + Date.now(),
  ecPublic: crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }),
  sessionKey: crypto.randomBytes(32).toString('base64'),
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


fixtures, node_results, edge_results = node_comparison("ciphers", CASES, MAKE_FIXTURES, HANDLER)


NAMES = [f"aes-{bits}-{mode}" for bits in (128, 192, 256) for mode in ("gcm", "cbc", "ctr", "ecb")]


def common_case_names() -> list[str]:
    names = []
    for name in NAMES:
        names += [f"{kind}_{name}" for kind in ("roundtrip", "node_vector", "chunks", "encodings", "wrong")]
        if name.endswith(("cbc", "ecb")):
            names.append(f"padding_{name}")
    for bits in (128, 192, 256):
        names += [f"gcm_aad_{bits}", f"gcm_tags_{bits}", f"gcm_ivs_{bits}"]
    return names + ["ctr_counter", "key_forms", "password", "cipher_info", "errors"]


@pytest.mark.parametrize("case", common_case_names())
def test_ciphers_match_node(case, edge_results, node_results):
    assert case in node_results["common"]
    assert edge_results["common"][case] == node_results["common"][case]


def test_every_case_is_checked(node_results):
    assert sorted(node_results["common"]) == sorted(common_case_names())


def test_the_cases_test_what_they_say(edge_results):
    # what Node answers is checked above; here, that the cases test what they say they do
    common = edge_results["common"]
    for name in NAMES:
        lengths = common[f"roundtrip_{name}"]
        assert all(row[-1] is True for row in lengths), name
        block = name.endswith(("cbc", "ecb"))
        assert [row[1] for row in lengths] == [(n // 16 + 1) * 16 if block else n for n, *_ in lengths], name
        assert common[f"node_vector_{name}"][0] is True, name
        outs, back = common[f"chunks_{name}"]
        if block:  # whole blocks only, and decrypting holds the last one back
            assert [len(o) // 2 for o in outs] == [0, 16, 16, 16, 0, 0, 32, 0, 48, 0, 16], name
            assert back == [0, 16, 16, 0, 16, 32, 48, 11], name  # 139 bytes: 144 with 5 of padding
        else:
            assert [len(o) // 2 for o in outs] == [1, 15, 16, 17, 0, 3, 32, 5, 48, 2, 0], name
            assert back == [16, 1, 31, 0, 16, 32, 43, 0], name
        encodings = common[f"encodings_{name}"]
        assert encodings["pieces"] is True and encodings["count"] > 5, name
        assert encodings["other"]["unknown"]["code"] == "ERR_UNKNOWN_ENCODING"
        assert encodings["other"]["odd_hex"]["code"] == "ERR_INVALID_ARG_VALUE"
        assert encodings["other"]["change"][1]["code"] == "ERR_INTERNAL_ASSERTION"
        wrong = common[f"wrong_{name}"]
        if name.endswith("gcm"):
            for how in ("key", "iv", "flipped", "truncated"):
                assert wrong[how]["message"] == "Unsupported state or unable to authenticate data", (name, how)
        if name.endswith("cbc"):
            assert wrong["truncated"]["code"] == "ERR_OSSL_WRONG_FINAL_BLOCK_LENGTH"
    for bits in (128, 192, 256):
        aad = common[f"gcm_aad_{bits}"]
        assert aad["one"] == aad["split"] == aad["string"] == aad["hex"] == aad["plaintext_length"] != aad["none"]
        assert aad["none"] == aad["empty"] and aad["long"] == aad["long_split"]
        assert aad["aad_after"]["code"] == "ERR_CRYPTO_INVALID_STATE"
        assert aad["checked"][0] is True and aad["checked"][1]["message"] == aad["checked"][2]["message"]
        tags = common[f"gcm_tags_{bits}"]
        for n in (4, 8, 12, 13, 14, 15, 16):
            assert len(tags[f"made_{n}"][1]) == 2 * n
            assert tags[f"truncated_{n}"] == tags[f"option_{n}"] == tags["after_update"], n
        assert tags["wrong"]["message"] == tags["missing"]["message"] == "Unsupported state or unable to authenticate data"
        assert all(row[2] is True for row in common[f"gcm_ivs_{bits}"].values())
    assert len(set(common["key_forms"]["aliases"])) == 5  # ID-AES256-GCM and aes-256-GCM are one cipher


ERROR_CASES = [
    ("unknown", "ERR_CRYPTO_UNKNOWN_CIPHER"), ("unknown_mode", "ERR_CRYPTO_UNKNOWN_CIPHER"),
    ("legacy_bf", "ERR_OSSL_EVP_UNSUPPORTED"), ("legacy_rc4", "ERR_OSSL_EVP_UNSUPPORTED"),
    ("legacy_des", "ERR_OSSL_EVP_UNSUPPORTED"), ("key_length", "ERR_CRYPTO_INVALID_KEYLEN"),
    ("key_length_gcm", "ERR_CRYPTO_INVALID_KEYLEN"), ("key_empty", "ERR_CRYPTO_INVALID_KEYLEN"),
    ("iv_length", "ERR_CRYPTO_INVALID_IV"), ("iv_length_ctr", "ERR_CRYPTO_INVALID_IV"), ("iv_null", "ERR_CRYPTO_INVALID_IV"),
    ("iv_empty_cbc", "ERR_CRYPTO_INVALID_IV"), ("iv_undefined", "ERR_INVALID_ARG_TYPE"), ("iv_number", "ERR_INVALID_ARG_TYPE"),
    ("iv_ecb", "ERR_CRYPTO_INVALID_IV"), ("iv_ecb_null", None), ("iv_ecb_empty", None),
    ("iv_gcm_empty", "ERR_CRYPTO_INVALID_IV"), ("iv_gcm_null", "ERR_CRYPTO_INVALID_IV"), ("iv_gcm_long", "ERR_CRYPTO_INVALID_IV"),
    ("iv_gcm_128", None),
    ("key_number", "ERR_INVALID_ARG_TYPE"), ("key_public", "ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE"),
    ("cipher_number", "ERR_INVALID_ARG_TYPE"), ("encoding_option", "ERR_INVALID_ARG_TYPE"),
    ("tag_length_option", "ERR_CRYPTO_INVALID_AUTH_TAG"), ("tag_length_string", "ERR_INVALID_ARG_VALUE"),
    ("tag_length_negative", "ERR_INVALID_ARG_VALUE"), ("tag_length_cbc", None),
    ("update_number", "ERR_INVALID_ARG_TYPE"), ("update_array_buffer", "ERR_INVALID_ARG_TYPE"),
    ("update_after_final", None), ("update_after_final_gcm", None), ("final_twice", "ERR_CRYPTO_INVALID_STATE"),
    ("padding_after_final", "ERR_CRYPTO_INVALID_STATE"), ("auth_tag_before_final", "ERR_CRYPTO_INVALID_STATE"),
    ("auth_tag_cbc", "ERR_CRYPTO_INVALID_STATE"), ("set_auth_tag_cbc", "ERR_CRYPTO_INVALID_STATE"),
    ("set_aad_cbc", "ERR_CRYPTO_INVALID_STATE"), ("set_aad_number", "ERR_INVALID_ARG_TYPE"),
    ("set_aad_plaintext_length", "ERR_INVALID_ARG_VALUE"), ("set_aad_after_final", "ERR_CRYPTO_INVALID_STATE"),
    ("tag_3", "ERR_CRYPTO_INVALID_AUTH_TAG"), ("tag_17", "ERR_CRYPTO_INVALID_AUTH_TAG"), ("tag_10", "ERR_CRYPTO_INVALID_AUTH_TAG"),
    ("tag_number", "ERR_INVALID_ARG_TYPE"), ("tag_twice", "ERR_CRYPTO_INVALID_STATE"),
    ("tag_mismatch_option", "ERR_CRYPTO_INVALID_AUTH_TAG"), ("tag_after_failed_final", "ERR_CRYPTO_INVALID_STATE"),
    ("no_tag", None),
]


@pytest.mark.parametrize("case, code", ERROR_CASES)
def test_errors_are_nodes(case, code, edge_results, node_results):
    expected = node_results["common"]["errors"][case]
    got = edge_results["common"]["errors"][case]
    assert got == expected
    if code is not None:
        assert got["code"] == code


def test_every_error_is_checked(node_results):
    assert sorted(node_results["common"]["errors"]) == sorted(case for case, _ in ERROR_CASES)


def test_ciphers_node_has_and_the_edge_does_not_say_what_there_is(edge_results, fixtures):
    unsupported = edge_results["edge"]["unsupported"]
    ours = unsupported["ciphers"]
    assert set(ours) <= set(fixtures["nodeCiphers"]) and len(ours) == 18
    assert ours == sorted(ours)
    refused = unsupported["refused"]
    assert len(refused) == len(fixtures["nodeCiphers"]) - len(ours) > 100
    for name, err in refused.items():
        assert err["code"] == "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM", (name, err)
        assert name in err["message"] and "AES-128, AES-192 and AES-256 in GCM, CBC, CTR and ECB" in err["message"]
    assert unsupported["decipher"]["code"] == "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM"
    assert unsupported["info"] == []


NODE_DECRYPTS = r"""
const crypto = require('crypto');
const [made, message] = JSON.parse(process.argv[1]);
const out = {};
for (const [name, m] of Object.entries(made)) {
  const d = crypto.createDecipheriv(name, Buffer.from(m.key, 'base64'), m.iv === null ? null : Buffer.from(m.iv, 'base64'));
  if (m.tag !== null) { d.setAAD(Buffer.from('aad')); d.setAuthTag(Buffer.from(m.tag, 'base64')); }
  out[name] = Buffer.concat([d.update(Buffer.from(m.ct, 'base64')), d.final()]).toString() === message;
}
console.log(JSON.stringify(out));
"""


def test_node_decrypts_what_the_edge_encrypted(edge_results, fixtures):
    made = edge_results["made"]["random_iv"]
    assert json.loads(node("-e", NODE_DECRYPTS, json.dumps([made, fixtures["message"]]))) == {name: True for name in made}


# A viewer-request function that decrypts an AES-256-GCM session cookie, end to end
MAKE_COOKIES = r"""
const crypto = require('crypto');
const [keyB64] = JSON.parse(process.argv[1]);
const key = Buffer.from(keyB64, 'base64');
function seal(session, k = key, aad = 'session-v1') {
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', k, iv);
  c.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([c.update(JSON.stringify(session)), c.final()]);
  return Buffer.concat([iv, ct, c.getAuthTag()]).toString('base64url');
}
const exp = Math.floor(Date.now() / 1000) + 3600;
const valid = seal({ user: 'alice', roles: ['admin', 'editor'], exp });
const tampered = valid.slice(0, 30) + (valid[30] === 'A' ? 'B' : 'A') + valid.slice(31);
// ~4 KB: a session carrying preferences, as big as a browser keeps one cookie
const big = seal({ user: 'bob', roles: ['viewer'], exp, prefs: 'p'.repeat(2960) });
console.log(JSON.stringify({
  valid, tampered, big, otherKey: seal({ user: 'mallory', roles: [], exp }, crypto.randomBytes(32)),
  otherAad: seal({ user: 'mallory', roles: [], exp }, key, 'session-v2'),
  expired: seal({ user: 'carol', roles: [], exp: exp - 7200 }), garbage: 'bm90IGEgY29va2ll',
}));
"""

NODE_HANDLES = r"""
const path = require('path');
const [dir, events] = JSON.parse(process.argv[1]);
const { handler } = require(path.join(dir, 'index.js'));
Promise.all(events.map((e) => handler(e))).then((results) => console.log(JSON.stringify(results)));
"""


@pytest.fixture(scope="module")
def cookies(fixtures) -> dict:
    return json.loads(node("-e", MAKE_COOKIES, json.dumps([fixtures["sessionKey"]])))


@pytest.fixture(scope="module")
def cookie_function(fixtures, tmp_path_factory):  # type: ignore[no-untyped-def]
    src = tmp_path_factory.mktemp("js-cookie-src") / "cookie"
    src.mkdir()
    shutil.copy(COOKIE, src / "index.js")
    (src / "fixtures.js").write_text(f"module.exports = {json.dumps({'sessionKey': fixtures['sessionKey']})};\n")
    return src, build("cookie", tmp_path_factory.mktemp("js-cookie"), source=src)


def _cookie_event(cookie: str | None) -> dict:
    headers = {"host": [{"key": "Host", "value": "example.com"}]}
    if cookie is not None:
        headers["cookie"] = [{"key": "Cookie", "value": f"theme=dark; session={cookie}; other=1"}]
    return make_event("viewer-request", viewer_request(uri="/account/orders", headers=headers))


COOKIE_KINDS = ("valid", "big", "tampered", "otherKey", "otherAad", "expired", "garbage", None)


def test_a_viewer_request_decrypts_an_aes_gcm_session_cookie_as_node_does(cookie_function, cookies, tmp_path):
    src, wasm = cookie_function
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(f'[origins.echo]\ntype = "echo"\n\n[functions.session]\nsource = "{wasm}"\n\n'
                        '[[behaviors]]\npath = "*"\norigin = "echo"\ncache = "disabled"\nviewer_request = "session"\n')
    server = Edge(manifest, tmp_path / "state")
    server.server.start()
    served = {}
    try:
        for kind in COOKIE_KINDS:
            headers = {"cookie": f"theme=dark; session={cookies[kind]}; other=1"} if kind else {}
            r = server.get("/account/orders", headers=headers, follow_redirects=False)
            if r.status_code == 200:
                echoed = {k.lower(): v for k, v in r.json()["headers"]}
                served[kind] = ["pass", echoed.get("x-user"), echoed.get("x-roles")]
            else:
                served[kind] = [r.status_code, r.headers.get("location"), r.headers.get("cache-control")]
    finally:
        server.close()
    assert served["valid"] == ["pass", "alice", "admin,editor"]
    assert served["big"] == ["pass", "bob", "viewer"]
    for kind in ("tampered", "otherKey", "otherAad", "expired", "garbage", None):
        assert served[kind] == [302, "/login?next=%2Faccount%2Forders", "no-store"], kind
    # the same handler in Node, on the same events
    events = [_cookie_event(cookies[kind] if kind else None) for kind in COOKIE_KINDS]
    results = json.loads(node("-e", NODE_HANDLES, json.dumps([str(src), events])))
    in_node = {}
    for kind, result in zip(COOKIE_KINDS, results):
        if "status" in result:
            h = result["headers"]
            in_node[kind] = [int(result["status"]), h["location"][0]["value"], h["cache-control"][0]["value"]]
        else:
            in_node[kind] = ["pass", result["headers"]["x-user"][0]["value"], result["headers"]["x-roles"][0]["value"]]
    assert served == in_node


def test_the_fuel_of_decrypting_a_4_kb_session_cookie(cookie_function, cookies):
    _, wasm = cookie_function
    assert 3900 < len(f"session={cookies['big']}") < 4096  # a browser's limit for one cookie
    runtime = Runtime()
    fn = runtime.function(wasm.read_bytes(), FunctionConfig(name="session", limits=Limits()))
    try:
        fuel = {}
        for kind in ("big", None):
            outcome = fn.invoke(json.dumps(_cookie_event(cookies[kind] if kind else None)).encode(), None)
            assert outcome.ok, (outcome.error, outcome.message)
            assert ("x-user" in outcome.value["headers"]) == (kind is not None)
            fuel[kind] = outcome.fuel_used
    finally:
        fn.close()
    print(f"\nfuel: a 4 KB AES-256-GCM cookie decrypted and parsed {fuel['big']:,}; without a cookie {fuel[None]:,}")
    # the whole invocation (the event in, base64url, AES-GCM, JSON, the result out): ~4 million
    assert fuel["big"] < 10_000_000, fuel
