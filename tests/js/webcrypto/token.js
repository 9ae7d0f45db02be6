'use strict';
// A viewer-request handler, as it is written for Cloudflare Workers or a browser: it checks the
// HS256 JWT in the Authorization header (or the `token` cookie) with crypto.subtle only, and passes
// the request on with the user in X-User, or answers 401. The key is imported once, when the
// function loads (at build time here); each request awaits the same promise. tests/test_js_webcrypto.py
// runs the same handler in Node.
const SECRET = require('./fixtures').tokenSecret;
const encoder = new TextEncoder();
const keyPromise = crypto.subtle.importKey('raw', encoder.encode(SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);

function base64urlBytes(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

async function verifyToken(token, nowSeconds) {
  const parts = (token || '').split('.');
  if (parts.length !== 3) return null;
  let header;
  let claims;
  try {
    header = JSON.parse(new TextDecoder().decode(base64urlBytes(parts[0])));
    claims = JSON.parse(new TextDecoder().decode(base64urlBytes(parts[1])));
  } catch {
    return null;
  }
  if (header.alg !== 'HS256') return null;
  const ok = await crypto.subtle.verify('HMAC', await keyPromise, base64urlBytes(parts[2]), encoder.encode(`${parts[0]}.${parts[1]}`));
  if (!ok || typeof claims.exp !== 'number' || claims.exp <= nowSeconds) return null;
  return claims;
}

exports.verifyToken = verifyToken;
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  const auth = request.headers.authorization ? request.headers.authorization[0].value : '';
  const cookie = (request.headers.cookie || []).map((h) => h.value).join('; ');
  const token = auth.startsWith('Bearer ') ? auth.slice(7) : (/(?:^|;\s*)token=([^;]+)/.exec(cookie) || [])[1];
  const claims = await verifyToken(token, Math.floor(Date.now() / 1000));
  if (claims === null) {
    return { status: '401', statusDescription: 'Unauthorized',
      headers: { 'www-authenticate': [{ key: 'WWW-Authenticate', value: 'Bearer realm="edge"' }] } };
  }
  request.headers['x-user'] = [{ key: 'X-User', value: String(claims.sub) }];
  return request;
};
