'use strict';
// A viewer-request handler that reads an encrypted session cookie, as a login service sets it:
// `session=` base64url(IV (12 bytes) || AES-256-GCM ciphertext of the session's JSON || tag (16)),
// with 'session-v1' as additional data. A valid, unexpired session goes on to the origin with the
// user in X-User and X-Roles; anything else (no cookie, tampered, another key, expired) is sent to
// the login page. tests/test_js_ciphers.py runs the same handler in Node.
const crypto = require('crypto');
const KEY = Buffer.from(require('./fixtures').sessionKey, 'base64');
const AAD = Buffer.from('session-v1');

function readSession(cookieHeader, now) {
  const match = /(?:^|;\s*)session=([^;]+)/.exec(cookieHeader || '');
  if (!match) return null;
  const raw = Buffer.from(match[1], 'base64url');
  if (raw.length < 12 + 16) return null;
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', KEY, raw.subarray(0, 12));
    decipher.setAAD(AAD);
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    const text = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
    const session = JSON.parse(text);
    return typeof session.exp === 'number' && session.exp * 1000 > now ? session : null;
  } catch (err) {
    return null; // a wrong tag ("Unsupported state or unable to authenticate data") or bad JSON
  }
}

exports.readSession = readSession;
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  const cookies = (request.headers.cookie || []).map((h) => h.value).join('; ');
  const session = readSession(cookies, Date.now());
  if (session === null) {
    return {
      status: '302', statusDescription: 'Found',
      headers: {
        location: [{ key: 'Location', value: `/login?next=${encodeURIComponent(request.uri)}` }],
        'cache-control': [{ key: 'Cache-Control', value: 'no-store' }],
      },
    };
  }
  request.headers['x-user'] = [{ key: 'X-User', value: String(session.user) }];
  request.headers['x-roles'] = [{ key: 'X-Roles', value: (session.roles || []).join(',') }];
  return request;
};
