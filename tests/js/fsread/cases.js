'use strict';
// What functions do with their package's files and the network modules they require at the top level
// (tests/test_js_porting.py runs run() here in real Node and in the edge). Paths are given relative
// to the package (the working directory, as on Lambda) so that messages are the same in both.
const fs = require('fs');
const fsp = require('fs/promises');
const path = require('path');
const net = require('net');
const tls = require('tls');
const http2 = require('http2');

const caught = (f) => {
  try {
    return f() ?? 'ok';
  } catch (e) {
    return { name: e.name, code: e.code, errno: e.errno, syscall: e.syscall, path: e.path, message: e.message.split(' (')[0] };
  }
};

// read at the top level, as functions read their keys and templates: at build time, here
const loaded = {
  pem: fs.readFileSync(path.join(__dirname, 'keys', 'public.pem'), 'utf8'),
  template: fs.readFileSync('template.html'),
  unicode: fs.readFileSync('unicode.txt', { encoding: 'utf8' }),
  hex: fs.readFileSync('unicode.txt', 'hex'),
  latin1: fs.readFileSync('unicode.txt', 'latin1'),
  base64: fs.readFileSync(Buffer.from('unicode.txt')).toString('base64'),
  // a binary file: its exact bytes, and Node's decodings of them (U+FFFD for what is not UTF-8)
  gif: fs.readFileSync('pixel.gif').toString('base64'),
  gifEncoded: ['latin1', 'utf8', 'hex', 'base64url', 'ascii', 'utf16le'].map((e) => fs.readFileSync('pixel.gif', e)),
  gifSize: fs.statSync('pixel.gif').size,
  json: JSON.parse(fs.readFileSync(path.join(__dirname, 'config.json'))),
  exists: [fs.existsSync('template.html'), fs.existsSync('keys'), fs.existsSync('nope.txt'), fs.existsSync(42)],
  stat: [fs.statSync('template.html').isFile(), fs.statSync('template.html').size, fs.statSync('keys').isDirectory(),
    fs.lstatSync('keys/public.pem').isSymbolicLink()],
  statMissing: fs.statSync('nope.txt', { throwIfNoEntry: false }) === undefined,
  realpath: fs.realpathSync('keys/../config.json') === path.join(__dirname, 'config.json'),
  missing: caught(() => fs.readFileSync('nope.txt')),
  missingStat: caught(() => fs.statSync('nope/deeper.txt')),
  directory: caught(() => fs.readFileSync('keys')),
  badEncoding: caught(() => fs.readFileSync('template.html', 'nope')),
  badPath: caught(() => fs.readFileSync(undefined)),
  nul: caught(() => fs.readFileSync('a\0b')),
  access: caught(() => fs.accessSync('template.html', fs.constants.R_OK)),
  accessMissing: caught(() => fs.accessSync('nope.txt')),
  noCallback: caught(() => fs.readFile('template.html')),
  constants: [fs.constants.F_OK, fs.constants.R_OK, fs.constants.W_OK, fs.constants.X_OK, fs.R_OK],
  functions: ['writeFileSync', 'createReadStream', 'readdirSync', 'mkdirSync', 'open', 'watch'].map((f) => typeof fs[f]),
};
const callback = new Promise((resolve) => fs.readFile('template.html', 'utf8', (err, data) => resolve([err, data.length])));
const existsCallback = new Promise((resolve) => fs.exists('config.json', resolve));
const promised = fsp.readFile('unicode.txt', 'utf8');

const ips = ['1.2.3.4', '255.255.255.255', '256.1.1.1', '1.2.3', '01.2.3.4', '::1', '::', 'fe80::1%eth0',
  '::ffff:1.2.3.4', '2001:db8::8a2e:370:7334', '2001:db8:::1', 'x', '', 42];

exports.run = async () => ({
  loaded,
  callback: await callback,
  existsCallback: await existsCallback,
  promised: await promised,
  stat: await fsp.stat('keys').then((s) => s.isDirectory()),
  rejected: await fsp.readFile('nope.txt').catch((e) => e.code),
  // in the handler: what the top level read, again
  again: fs.readFileSync(path.join(__dirname, 'template.html'), 'utf8') === loaded.template.toString(),
  againStat: fs.statSync('template.html').size,
  againGif: fs.readFileSync('pixel.gif').toString('base64') === loaded.gif,
  // each read is a Buffer of its own: changing one changes no later read
  gifCopies: (() => {
    const first = fs.readFileSync('pixel.gif');
    first.fill(0);
    return [first[0], fs.readFileSync('pixel.gif')[0], fs.readFileSync('pixel.gif', { encoding: 'latin1' })[0]];
  })(),
  promises: fsp === fs.promises && fsp === require('node:fs/promises'),
  net: [ips.map(net.isIP), ips.map(net.isIPv4), ips.map(net.isIPv6)],
  network: [typeof net.connect, typeof net.Socket, tls.DEFAULT_MIN_VERSION, typeof tls.connect,
    http2.constants.HTTP2_HEADER_STATUS, http2.constants.HTTP2_HEADER_CONTENT_TYPE, http2.constants.HTTP2_METHOD_GET,
    typeof http2.connect],
});
