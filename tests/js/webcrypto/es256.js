'use strict';
// One ES256 verification with crypto.subtle per request (tests/test_js_webcrypto.py measures its
// fuel): the P-256 public key (a JWK, as a JWKS serves it) is imported when the function loads.
const { jwk, message, signature } = require('./fixtures').es256;
const keyPromise = crypto.subtle.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);

exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  const tampered = request.uri === '/tampered';
  const ok = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, await keyPromise,
    Buffer.from(signature, 'base64'), Buffer.from(tampered ? `${message}.` : message));
  return { status: ok ? '200' : '403', body: String(ok) };
};
