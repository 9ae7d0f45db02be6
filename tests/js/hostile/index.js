'use strict';
// The hostile catalogue in JavaScript, chosen by the query string (?mode=...).
let counter = 0; // module state: kept by `reuse`, fresh per request otherwise

const modes = {
  loop: () => { while (true) {} },
  memory: () => { const hog = []; for (;;) hog.push(new Array(1e6).fill(hog.length)); },
  recursion: () => { const f = (n) => f(n + 1) + 1; return f(0); },
  catchRecursion: () => {
    const f = (n) => f(n + 1) + 1;
    try { f(0); } catch (err) { return `${err.constructor.name}: ${err.message}`; }
    return 'no error';
  },
  throw: () => { throw new TypeError('boom from the handler'); },
  reject: () => Promise.reject(new RangeError('rejected on purpose')),
  callbackError: (event, context, callback) => callback(new Error('callback error')),
  never: () => new Promise(() => {}),
  nothing: (event, context, callback) => { /* neither calls back nor returns */ },
  badShape: () => 42,
  badHeaders: () => ({ status: '200', headers: { 'x-a': { key: 'X-A', value: 'not an array' } } }),
  circular: () => { const o = { status: '200' }; o.self = o; return o; },
  counter: () => String(++counter),
  random: () => String(Math.random()),
  interval: () => new Promise(() => { setInterval(() => {}, 1); }),
  sleep: async () => { await new Promise((resolve) => setTimeout(resolve, 10000)); return 'slept through the timeout'; },
  withinTimeout: async (event, context) => {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    return String(context.getRemainingTimeInMillis());
  },
  intervalAfterCallback: (event, context, callback) => {
    setInterval(function flushMetrics() {}, 250);
    callback(null, { status: '200', body: 'called back' });
  },
  intervalNoWait: (event, context, callback) => {
    context.callbackWaitsForEmptyEventLoop = false;
    setInterval(function flushMetrics() {}, 250);
    callback(null, { status: '200', body: 'called back without waiting' });
  },
  floating: async () => { Promise.reject(new Error('nobody waits for me')); return 'finished anyway'; },
  timerThrows: () => new Promise((resolve) => {
    setTimeout(() => { throw new Error('thrown in a timer'); }, 5);
    setTimeout(() => resolve('too late'), 10);
  }),
  listened: async () => {
    let heard = null;
    process.once('unhandledRejection', (reason) => { heard = reason.message; });
    Promise.reject(new Error('a rejection someone listens for'));
    await new Promise((resolve) => setTimeout(resolve, 1));
    return `heard: ${heard}`;
  },
  handledLater: async () => {
    const pending = Promise.reject(new Error('handled a moment later'));
    await null;
    return pending.catch((err) => `caught: ${err.message}`);
  },
};

exports.handler = function (event, context, callback) {
  const request = event.Records[0].cf.request;
  const mode = new URLSearchParams(request.querystring).get('mode');
  const run = modes[mode];
  // a callback-style handler returning a value instead of calling back: Lambda ignores the value
  if (mode === 'syncValue') return { status: '200', body: 'returned, not called back' };
  if (!run) return callback(null, request);
  const out = run(event, context, callback);
  if (out === undefined) return undefined;
  return Promise.resolve(out).then((value) => (typeof value === 'string'
    ? { status: '200', headers: { 'content-type': [{ key: 'Content-Type', value: 'text/plain' }] }, body: value }
    : value));
};
