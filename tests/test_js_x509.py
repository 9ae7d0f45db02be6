"""X.509 certificates in the sandbox against real Node: a PEM CERTIFICATE where a public key is
expected, and crypto.X509Certificate.

jsonwebtoken verifies RS256 tokens with a certificate (Auth0's downloadable signing .pem, Google's
and Firebase's x509 metadata): Node reads the certificate's subjectPublicKeyInfo wherever a public
key goes (createPublicKey, crypto.verify, createVerify().verify). The certificates here are made by
the `cryptography` and `trustme` packages (RSA, EC and Ed25519 keys, self-signed and issued by a CA,
with names, serial numbers, times and extensions of several kinds), a JWT-like payload is signed with
their keys, and every case must give in the edge function what it gives in `node`: the key exported,
verification results, X509Certificate's properties and checks (verify, checkIssued, checkPrivateKey,
and checkHost, checkEmail and checkIP with OpenSSL's wildcard rules and options), and the errors for
malformed certificates (OpenSSL's asn1 and PEM errors, with their codes)."""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json

import pytest

from .js_helpers import answer_and_fuel, assert_same_as_node, compared_case_fixtures

CASES_JS = r"""'use strict';
const crypto = require('crypto');
function outcome(f) {
  try {
    const v = f();
    if (v instanceof crypto.KeyObject) return `${v.type} ${v.asymmetricKeyType} ${v.export({ format: 'pem', type: 'spki' })}`;
    if (Buffer.isBuffer(v)) return `Buffer ${v.toString('hex')}`;
    return v === undefined ? 'undefined' : JSON.stringify(v);
  } catch (e) {
    // the edge adds why after OpenSSL's 'DECODER routines::unsupported'
    return `${e.name} ${e.code} ${e.message.replace(/^(error:1E08010C:DECODER routines::unsupported) \(.*$/s, '$1')
      .replace(/ Received [\s\S]*$/, '')}`;
  }
}
const derOf = (pem) => Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
const pemOf = (der) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`;
function mutated(pem, f) {
  const b = Buffer.from(derOf(pem));
  f(b);
  return b;
}
exports.run = (fx) => {
  const out = {};
  const add = (name, f) => { out[name] = outcome(f); };
  const payload = fx.jwt.split('.').slice(0, 2).join('.');
  const jwtSig = Buffer.from(fx.jwt.split('.')[2], 'base64url');
  // a certificate where a public key goes
  add('jwt/createVerify', () => crypto.createVerify('RSA-SHA256').update(payload).verify(fx.rsa.cert, jwtSig));
  add('jwt/createVerify buffer', () => crypto.createVerify('RSA-SHA256').update(payload).verify(Buffer.from(fx.rsa.cert), jwtSig));
  add('jwt/verify', () => crypto.verify('sha256', Buffer.from(payload), fx.rsa.cert, jwtSig));
  add('jwt/verify {key}', () => crypto.verify('sha256', Buffer.from(payload), { key: fx.rsa.cert }, jwtSig));
  add('jwt/wrong cert', () => crypto.verify('sha256', Buffer.from(payload), fx.ec.cert, jwtSig));
  add('jwt/tampered', () => crypto.verify('sha256', Buffer.from(payload + 'x'), fx.rsa.cert, jwtSig));
  for (const kind of ['rsa', 'ec', 'ed25519', 'p384', 'trustme']) {
    const { cert, key } = fx[kind];
    add(`${kind}/createPublicKey`, () => crypto.createPublicKey(cert));
    add(`${kind}/createPublicKey {key, format: pem}`, () => crypto.createPublicKey({ key: cert, format: 'pem' }));
    add(`${kind}/details`, () => crypto.createPublicKey(cert).asymmetricKeyDetails);
    add(`${kind}/jwk`, () => crypto.createPublicKey(cert).export({ format: 'jwk' }));
    add(`${kind}/equals`, () => crypto.createPublicKey(cert).equals(crypto.createPublicKey(key)));
    const alg = kind === 'ed25519' ? null : 'sha256';
    const sig = crypto.sign(alg, Buffer.from(payload), key);
    add(`${kind}/verify`, () => crypto.verify(alg, Buffer.from(payload), cert, sig));
    if (kind !== 'ed25519') add(`${kind}/createVerify`, () => crypto.createVerify('sha256').update(payload).verify(cert, sig));
    add(`${kind}/createPrivateKey`, () => crypto.createPrivateKey(cert));
    add(`${kind}/sign with it`, () => crypto.sign(alg, Buffer.from(payload), cert));
    add(`${kind}/der spki`, () => crypto.createPublicKey({ key: derOf(cert), format: 'der', type: 'spki' }).type);
  }
  add('chain/two certificates', () => crypto.createPublicKey(fx.chain.leaf + fx.chain.ca));
  // malformed certificates
  const bad = {
    half: derOf(fx.rsa.cert).subarray(0, 300),
    'wrong outer tag': mutated(fx.rsa.cert, (b) => { b[0] = 0x31; }),
    'wrong tbs tag': mutated(fx.rsa.cert, (b) => { b[4] = 0x31; }),
    'empty sequence': Buffer.from([0x30, 0]),
    'length too big': mutated(fx.rsa.cert, (b) => { b[3] += 1; }),
    'not a certificate': Buffer.from([0x30, 3, 2, 1, 0]),
    garbage: Buffer.from('hello world'),
    'header cut': Buffer.from([0x30, 0x82, 0x01]),
    'trailing bytes': Buffer.concat([derOf(fx.rsa.cert), Buffer.from([0, 0])]),
  };
  for (const [name, der] of Object.entries(bad)) {
    add(`malformed/${name}/createPublicKey`, () => crypto.createPublicKey(pemOf(der)));
    add(`malformed/${name}/X509Certificate pem`, () => new crypto.X509Certificate(pemOf(der)).subject);
    add(`malformed/${name}/X509Certificate der`, () => new crypto.X509Certificate(der).subject);
  }
  add('X509Certificate/not PEM', () => new crypto.X509Certificate('nope'));
  add('X509Certificate/a key PEM', () => new crypto.X509Certificate(crypto.createPublicKey(fx.rsa.cert).export({ format: 'pem', type: 'spki' })));
  add('X509Certificate/a number', () => new crypto.X509Certificate(5));
  add('X509Certificate/length', () => [typeof crypto.X509Certificate, crypto.X509Certificate.length, crypto.X509Certificate.name]);
  // X509Certificate's properties
  const PROPS = ['subject', 'issuer', 'subjectAltName', 'infoAccess', 'validFrom', 'validTo', 'fingerprint', 'fingerprint256',
    'fingerprint512', 'keyUsage', 'serialNumber', 'ca', 'issuerCertificate'];
  const certs = { rsa: fx.rsa.cert, ec: fx.ec.cert, ed25519: fx.ed25519.cert, p384: fx.p384.cert, leaf: fx.chain.leaf,
    ca: fx.chain.ca, trustmeLeaf: fx.trustme.cert, trustmeCa: fx.trustme.ca, names: fx.names.cert, serial15: fx.serial15.cert,
    serialBig: fx.serialBig.cert, y2060: fx.y2060.cert, sha512: fx.sha512.cert, wild: fx.wild.cert };
  const x = {};
  for (const [name, pem] of Object.entries(certs)) {
    x[name] = new crypto.X509Certificate(pem);
    for (const prop of PROPS) add(`x509/${name}/${prop}`, () => x[name][prop]);
    add(`x509/${name}/publicKey`, () => x[name].publicKey);
    add(`x509/${name}/raw`, () => x[name].raw.equals(derOf(pem)) && Buffer.isBuffer(x[name].raw));
    add(`x509/${name}/toString`, () => x[name].toString() === pemOf(derOf(pem)) && x[name].toJSON() === x[name].toString());
    add(`x509/${name}/from der`, () => new crypto.X509Certificate(derOf(pem)).fingerprint256 === x[name].fingerprint256);
    add(`x509/${name}/self verify`, () => x[name].verify(x[name].publicKey));
    add(`x509/${name}/self issued`, () => x[name].checkIssued(x[name]));
  }
  add('x509/from a Uint8Array', () => new crypto.X509Certificate(new Uint8Array(derOf(fx.rsa.cert))).subject);
  add('x509/first of a chain', () => new crypto.X509Certificate(fx.chain.leaf + fx.chain.ca).subject);
  add('x509/leaf verify ca', () => x.leaf.verify(x.ca.publicKey));
  add('x509/leaf verify other', () => x.leaf.verify(x.rsa.publicKey));
  add('x509/leaf verify its own', () => x.leaf.verify(x.leaf.publicKey));
  add('x509/leaf checkIssued ca', () => x.leaf.checkIssued(x.ca));
  add('x509/ca checkIssued leaf', () => x.ca.checkIssued(x.leaf));
  add('x509/leaf checkIssued rsa', () => x.leaf.checkIssued(x.rsa));
  add('x509/trustme leaf verify', () => x.trustmeLeaf.verify(x.trustmeCa.publicKey));
  add('x509/trustme leaf checkIssued', () => x.trustmeLeaf.checkIssued(x.trustmeCa));
  add('x509/trustme leaf checkIssued other ca', () => x.trustmeLeaf.checkIssued(x.ca));
  add('x509/leaf checkPrivateKey', () => x.leaf.checkPrivateKey(crypto.createPrivateKey(fx.rsa.key)));
  add('x509/ca checkPrivateKey wrong', () => x.ca.checkPrivateKey(crypto.createPrivateKey(fx.rsa.key)));
  add('x509/ca checkPrivateKey', () => x.ca.checkPrivateKey(crypto.createPrivateKey(fx.chain.cakey)));
  add('x509/publicKey equals', () => x.leaf.publicKey.equals(crypto.createPublicKey(fx.rsa.key)));
  add('x509/verify(string)', () => x.leaf.verify('a'));
  add('x509/verify()', () => x.leaf.verify());
  add('x509/verify(private)', () => x.leaf.verify(crypto.createPrivateKey(fx.rsa.key)));
  add('x509/checkPrivateKey(public)', () => x.leaf.checkPrivateKey(x.leaf.publicKey));
  add('x509/checkIssued(string)', () => x.leaf.checkIssued('a'));
  add('x509/instanceof', () => x.leaf instanceof crypto.X509Certificate);
  add('x509/inspect', () => require('util').inspect(x.trustmeLeaf));
  add('x509/toString length', () => [x.leaf.toString.length, x.leaf.verify.length, x.leaf.checkIssued.length,
    x.leaf.checkHost.length, x.leaf.checkEmail.length, x.leaf.checkIP.length]);
  // names: checkHost (wildcards, the subject's CN when there are no DNS names), checkEmail, checkIP
  const HOSTS = ['a.example', 'A.EXAMPLE', 'b.example', 'x.b.example', 'X.B.Example', 'y.x.b.example', '.b.example', 'b.example.',
    'foo.part.example', 'f.part.example', 'oo.part.example', 'bar.part.example', 'xn--abc.part.example', 'xn--abc.b.example',
    'abc.idna.example', 'xn--a.idna.example', '*.b.example', 'anything.star.example', 'a.example.com', 'rsa.example', 'RSA.example',
    'www.example.org', 'sub.www.example.org', '', 'a', '.example', 'x.example', 'n.short', 'short', 'a\0b.example', 'a.example\0',
    '名前.example', 'leaf.example', 'x.y.b.example', 'x_y.b.example', 'under.multi.example', 'a.b.multi.example'];
  const OPTIONS = [undefined, { subject: 'always' }, { subject: 'never' }, { wildcards: false }, { partialWildcards: false },
    { multiLabelWildcards: true }, { singleLabelSubdomains: true }];
  for (const name of ['names', 'rsa', 'trustmeLeaf', 'wild', 'leaf']) {
    for (const host of HOSTS) {
      OPTIONS.forEach((options, i) => add(`checkHost/${name}/${JSON.stringify(host)}/${i}`, () => x[name].checkHost(host, options)));
    }
    for (const email of ['me@example.org', 'me@EXAMPLE.org', 'Me@example.org', 'ops@example.org', 'ops@Example.ORG', 'x@example.org', 'me', '']) {
      add(`checkEmail/${name}/${email}`, () => x[name].checkEmail(email));
      add(`checkEmail/${name}/${email}/always`, () => x[name].checkEmail(email, { subject: 'always' }));
    }
    for (const ip of ['192.0.2.1', '192.0.2.2', '2001:db8::1', '2001:DB8:0:0:0:0:0:1', '2001:db8::0:1', '203.0.113.7', ' 192.0.2.1', '+192.0.2.1',
      '192.000.2.1', '1.2.3', '1.2.3.4xyz', '256.1.1.1', '::1', '::ffff:192.0.2.1', '1::2::3', 'fe80::1%eth0', '', '1.2.3.4.5', '::',
      'abcd::12345', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::', '::1:2:3:4:5:6:7', '1:2:3:4:5:6:1.2.3.4']) {
      add(`checkIP/${name}/${ip}`, () => x[name].checkIP(ip));
    }
  }
  for (const bad of [5, null, undefined]) {
    add(`checkHost(${bad})`, () => x.leaf.checkHost(bad));
    add(`checkEmail(${bad})`, () => x.leaf.checkEmail(bad));
    add(`checkIP(${bad})`, () => x.leaf.checkIP(bad));
  }
  add('checkHost options 5', () => x.leaf.checkHost('a', 5));
  add('checkHost options null', () => x.leaf.checkHost('a', null));
  add('checkHost subject x', () => x.leaf.checkHost('a', { subject: 'x' }));
  add('checkHost wildcards 1', () => x.leaf.checkHost('a', { wildcards: 1 }));
  add('checkEmail subject x', () => x.leaf.checkEmail('a', { subject: 'x' }));
  return out;
};
"""

INDEX_JS = r"""'use strict';
const cases = require('./cases.js');
const fixtures = require('./fixtures.json');
exports.handler = async () => ({ status: '200', body: JSON.stringify(cases.run(fixtures)) });
"""


def make_fixtures() -> dict:
    import trustme
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Edge Test"),
                          x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def cert(key, subject, issuer_key=None, issuer=None, serial=0x1234ABCD, hash_=hashes.SHA256(),
             not_after=datetime.datetime(2034, 1, 2, 3, 4, 5), extensions=()):  # type: ignore[no-untyped-def]
        b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer or subject)
             .public_key(key.public_key()).serial_number(serial)
             .not_valid_before(datetime.datetime(2024, 1, 2, 3, 4, 5)).not_valid_after(not_after))
        for ext, critical in extensions:
            b = b.add_extension(ext, critical)
        signer = issuer_key or key
        pem = b.sign(signer, None if isinstance(signer, ed25519.Ed25519PrivateKey) else hash_)
        return pem.public_bytes(serialization.Encoding.PEM).decode()

    def pkcs8(key) -> str:  # type: ignore[no-untyped-def]
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()

    keys = {"rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
            "ec": ec.generate_private_key(ec.SECP256R1()), "ed25519": ed25519.Ed25519PrivateKey.generate(),
            "p384": ec.generate_private_key(ec.SECP384R1())}
    out: dict = {kind: {"cert": cert(key, name(f"{kind}.example")), "key": pkcs8(key)} for kind, key in keys.items()}
    ca_key = ec.generate_private_key(ec.SECP384R1())
    ca_name = name("Edge CA")
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = cert(ca_key, ca_name, extensions=[(x509.BasicConstraints(ca=True, path_length=None), True), (ca_ski, False),
                                           (x509.KeyUsage(False, False, False, False, False, True, True, False, False), True)])
    leaf = cert(keys["rsa"], name("leaf.example"), ca_key, ca_name, serial=0xFF, extensions=[
        (x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), False),
        (x509.BasicConstraints(ca=False, path_length=None), True)])
    out["chain"] = {"ca": ca, "leaf": leaf, "cakey": pkcs8(ca_key)}
    authority = trustme.CA()
    issued = authority.issue_cert("www.example.org", "203.0.113.7", "me@example.org")
    out["trustme"] = {"ca": authority.cert_pem.bytes().decode(), "cert": issued.cert_chain_pems[0].bytes().decode(),
                      "key": issued.private_key_pem.bytes().decode()}
    tricky = x509.Name([
        x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.DOMAIN_COMPONENT, "org")]),
        x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.COUNTRY_NAME, "DE")]),
        x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Bayern"),
                                        x509.NameAttribute(NameOID.LOCALITY_NAME, "München")]),
        x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'Acme, "Inc" + <Sons>; \\ x')]),
        x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, " #spaced ")]),
        x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.COMMON_NAME, "名前.example",
                                                           x509.name._ASN1Type.BMPString)]),
        x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.EMAIL_ADDRESS, "ops@example.org")]),
        x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.SERIAL_NUMBER, "42")]),
    ])
    san = x509.SubjectAlternativeName([
        x509.DNSName("a.example"), x509.DNSName("*.b.example"), x509.IPAddress(ipaddress.ip_address("192.0.2.1")),
        x509.IPAddress(ipaddress.ip_address("2001:db8::1")), x509.RFC822Name("me@example.org"),
        x509.UniformResourceIdentifier("https://example.org/x")])
    aia = x509.AuthorityInformationAccess([
        x509.AccessDescription(x509.oid.AuthorityInformationAccessOID.OCSP,
                               x509.UniformResourceIdentifier("http://ocsp.example.org")),
        x509.AccessDescription(x509.oid.AuthorityInformationAccessOID.CA_ISSUERS,
                               x509.UniformResourceIdentifier("http://ca.example.org/ca.crt"))])
    eku = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH])
    out["names"] = {"cert": cert(keys["ec"], tricky, keys["p384"], name("p384.example"),
                                 extensions=[(san, False), (aia, False), (eku, False)])}
    wild = x509.SubjectAlternativeName([x509.DNSName(n) for n in [
        "*.b.example", "f*.part.example", "*r.part.example", "xn--*.idna.example", "*.star.example", "*.example", "*",
        "a.*.example", "*.multi.example", "x.y.b.example", "short"]] + [x509.RFC822Name("Me@Example.org")])
    out["wild"] = {"cert": cert(keys["ec"], name("wild.example"), extensions=[(wild, False)])}
    out["serial15"] = {"cert": cert(keys["ec"], name("serial"), serial=15)}
    out["serialBig"] = {"cert": cert(keys["ec"], name("serial"), serial=(1 << 159) - 12345)}
    out["y2060"] = {"cert": cert(keys["ed25519"], name("later"), not_after=datetime.datetime(2060, 6, 7, 8, 9, 10))}
    out["sha512"] = {"cert": cert(keys["rsa"], name("sha512"), hash_=hashes.SHA512())}
    # an RS256 JWT, as an identity provider signs one
    b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()  # noqa: E731
    signing_input = b64(b'{"alg":"RS256","typ":"JWT"}') + "." + b64(b'{"sub":"1234","aud":"edge"}')
    signature = keys["rsa"].sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    out["jwt"] = signing_input + "." + b64(signature)
    return out


sources, node_results, function = compared_case_fixtures("x509", lambda: {"cases.js": CASES_JS, "index.js": INDEX_JS,
                                                                            "fixtures.json": json.dumps(make_fixtures())})


@pytest.fixture(scope="module")
def edge_results(function) -> dict:  # type: ignore[no-untyped-def]
    return answer_and_fuel(function, "/cases")[0]


def test_certificates_read_as_node_reads_them(edge_results, node_results):  # type: ignore[no-untyped-def]
    assert_same_as_node(edge_results, node_results)


def test_the_cases_test_what_they_say(node_results):  # type: ignore[no-untyped-def]
    for case in ["jwt/createVerify", "jwt/verify", "rsa/verify", "ec/createVerify", "ed25519/verify", "trustme/verify",
                 "x509/leaf verify ca", "x509/leaf checkIssued ca", "x509/trustme leaf verify", "x509/ca checkPrivateKey"]:
        assert node_results[case] == "true", case
    for case in ["jwt/wrong cert", "jwt/tampered", "x509/leaf verify other", "x509/ca checkIssued leaf",
                 "x509/trustme leaf checkIssued other ca", "x509/ca checkPrivateKey wrong"]:
        assert node_results[case] == "false", case
    assert node_results["rsa/createPublicKey"].startswith("public rsa -----BEGIN PUBLIC KEY-----")
    assert node_results["rsa/createPrivateKey"].endswith("ERR_OSSL_UNSUPPORTED error:1E08010C:DECODER routines::unsupported")
    assert "ERR_OSSL_ASN1_TOO_LONG" in node_results["malformed/half/createPublicKey"]
    assert "ERR_OSSL_ASN1_WRONG_TAG" in node_results["malformed/wrong tbs tag/createPublicKey"]
    assert "ERR_OSSL_ASN1_FIELD_MISSING" in node_results["malformed/empty sequence/createPublicKey"]
    assert "ERR_OSSL_ASN1_HEADER_TOO_LONG" in node_results["malformed/header cut/createPublicKey"]
    assert "ERR_OSSL_PEM_NO_START_LINE" in node_results["malformed/half/X509Certificate der"]
    assert node_results["x509/names/subjectAltName"].count(",") == 5
    assert "\\n" in node_results["x509/names/subject"]
    expected = {'checkHost/wild/"x.b.example"/0': '"*.b.example"', 'checkHost/wild/"foo.part.example"/0': '"f*.part.example"',
                'checkHost/wild/"foo.part.example"/4': "undefined", 'checkHost/wild/"x.y.b.example"/5': '"*.b.example"',
                'checkHost/rsa/"RSA.example"/0': '"rsa.example"', 'checkHost/rsa/"RSA.example"/2': "undefined",
                'checkHost/wild/"abc.idna.example"/0': "undefined", "checkEmail/trustmeLeaf/me@EXAMPLE.org": '"me@EXAMPLE.org"',
                "checkEmail/trustmeLeaf/Me@example.org": "undefined",
                "checkIP/names/2001:DB8:0:0:0:0:0:1": '"2001:DB8:0:0:0:0:0:1"',
                "checkIP/names/1.2.3": "TypeError ERR_INVALID_ARG_VALUE Invalid IP"}
    for case, value in expected.items():
        assert node_results[case] == value, case
    assert node_results["x509/serial15/serialNumber"] and node_results["x509/leaf/validTo"] == '"Jan  2 03:04:05 2034 GMT"'
