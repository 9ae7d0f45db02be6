// One public-key operation per request, named by the URI (/es256-sign, /rs256-sign, ...), with keys
// read at the top level (at build time), as a function that signs or checks tokens would: what a
// request costs is the operation itself. The body is the result (a signature in base64, a secret
// in hex, or whether a signature verified).
const crypto = require('crypto');
const F = require('./fixtures.js');

const message = Buffer.from(F.message);
const ec = {};
for (const [name, hash] of [['p256', 'sha256'], ['p384', 'sha384'], ['p521', 'sha512']]) {
  ec[name] = { hash, priv: crypto.createPrivateKey(F[name].priv), pub: crypto.createPublicKey(F[name].pub),
    peer: crypto.createPublicKey(F[name].peer), sig: Buffer.from(F[name].sig, 'base64') };
}
const rsa = { priv: crypto.createPrivateKey(F.rsa.priv), pub: crypto.createPublicKey(F.rsa.pub), sig: Buffer.from(F.rsa.sig, 'base64') };
const ed = { priv: crypto.createPrivateKey(F.ed.priv), pub: crypto.createPublicKey(F.ed.pub), sig: Buffer.from(F.ed.sig, 'base64') };
const x = { priv: crypto.createPrivateKey(F.x.priv), peer: crypto.createPublicKey(F.x.peer) };

const p1363 = (key) => ({ key, dsaEncoding: 'ieee-p1363' });
const OPS = {
  'rs256-sign': () => crypto.sign('sha256', message, rsa.priv).toString('base64'),
  'rs256-verify': () => crypto.verify('sha256', message, rsa.pub, rsa.sig),
  'eddsa-sign': () => crypto.sign(null, message, ed.priv).toString('base64'),
  'eddsa-verify': () => crypto.verify(null, message, ed.pub, ed.sig),
  x25519: () => crypto.diffieHellman({ privateKey: x.priv, publicKey: x.peer }).toString('hex'),
};
for (const [name, k] of Object.entries(ec)) {
  const alg = { p256: 'es256', p384: 'es384', p521: 'es512' }[name];
  OPS[`${alg}-sign`] = () => crypto.sign(k.hash, message, p1363(k.priv)).toString('base64');
  OPS[`${alg}-verify`] = () => crypto.verify(k.hash, message, p1363(k.pub), k.sig);
  OPS[`ecdh-${name}`] = () => crypto.diffieHellman({ privateKey: k.priv, publicKey: k.peer }).toString('hex');
}

// Private keys with chosen scalars (1, 2, ..., n - 1, one with a zero top byte), read in the
// request: their public points, an ECDSA signature and an ECDH secret with the curve's peer key
for (const name of ['p256', 'p384', 'p521']) {
  OPS[`scalars-${name}`] = () => F.scalars[name].map((der) => {
    const key = crypto.createPrivateKey({ key: Buffer.from(der, 'base64'), format: 'der', type: 'sec1' });
    const { x, y } = key.export({ format: 'jwk' });
    return { x, y, sig: crypto.sign(ec[name].hash, message, p1363(key)).toString('base64'),
      secret: crypto.diffieHellman({ privateKey: key, publicKey: ec[name].peer }).toString('hex') };
  });
}

exports.handler = async (event) => {
  const op = event.Records[0].cf.request.uri.slice(1);
  return { status: '200', body: JSON.stringify(OPS[op]()) };
};
