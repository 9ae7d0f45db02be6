'use strict';
// Requires that cannot be satisfied here do not fail the build: a guarded or optional one is
// caught as in Node, and one that runs at request time throws there (a 503 with its message).
let missingError = null;
try {
  require('child_process');
} catch (e) {
  missingError = { code: e.code, message: e.message };
}
let color = 'none';
try { color = require('supports-color'); } catch {}
const tinylib = require('tinylib');
const debug = require('tiny-debug');
const tty = require('tty');
const crypto = require('crypto');
const cases = require('./cases');
const esmCases = import('./cases.mjs'); // evaluated while the function loads

const log = debug('app:edge');

function caught(f) {
  try {
    f();
    return null;
  } catch (e) {
    return { name: e.name, code: e.code, message: e.message };
  }
}

const routes = {
  '/guarded': () => ({ missingError, color }),
  '/cases': () => cases.run(),
  '/esm-cases': async () => (await esmCases).run(),
  '/tty': () => ({
    isatty: [tty.isatty(0), tty.isatty(1), tty.isatty(2)],
    readStream: caught(() => new tty.ReadStream(0)),
    writeStream: caught(() => new tty.WriteStream(1)),
    debugColors: log.useColors,
  }),
  '/debug': () => {
    debug.enable('app:edge');
    log('request %s %o', 'seen', { a: 1 });
    return 'logged';
  },
  '/kdf-callbacks': () => new Promise((resolve, reject) => {
    crypto.pbkdf2('pw', 'salt', 10, 24, 'sha256', (err, key) => {
      if (err) return reject(err);
      crypto.hkdf('sha512', 'ikm', 'salt', 'info', 24, (err2, okm) => (err2 ? reject(err2) : resolve([key.toString('hex'), Buffer.from(okm).toString('hex')])));
    });
  }),
  '/crypto-missing': () => [...['scryptSync', 'scrypt'].map((name) => caught(() => crypto[name]('pw', 'salt', 16, () => {}))),
    caught(() => crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })), caught(() => crypto.createDiffieHellman(512))],
  '/fetch-global': () => ({ type: typeof fetch, name: fetch.name, xhr: typeof XMLHttpRequest, ws: typeof WebSocket }),
  // these fail at request time, as they would in Node without the module (or the network)
  // (the request's 'error' comes a turn later, as in Node: a handler awaiting it fails with it)
  '/download': () => new Promise((resolve, reject) => tinylib.download('https://example.com/jwks.json').on('error', reject)),
  '/optional': () => tinylib.optional(),
  '/fs': () => require('fs').readFileSync('/etc/hosts'),
  '/fetch': () => fetch('https://example.com/'),
};

exports.handler = async (event) => {
  const route = routes[event.Records[0].cf.request.uri];
  const body = JSON.stringify(await route());
  return { status: '200', headers: { 'content-type': [{ key: 'Content-Type', value: 'application/json' }] }, body };
};
