// require('worker_threads'): an edge function is one thread, the main one, and cannot start others:
// isMainThread true, threadId 0, parentPort and workerData null, resourceLimits {}, the environment
// data functions working in-process, markAsUntransferable doing nothing; MessageChannel, MessagePort
// and receiveMessageOnPort are the globals' (messaging.js: ports within the one thread, as in Node);
// new Worker(), BroadcastChannel, moveMessagePortToContext and postMessageToThread throw
// ERR_FEATURE_UNAVAILABLE_ON_PLATFORM saying why. Packages that require it
// as they load and start a worker only on some path (pino's transports, undici) load. Put into a
// function whose sources name 'worker_threads' (edge/js/build.py's ON_DEMAND).
defineBuiltin('worker_threads', function (exports, require, module, internal) {
  const WHY = 'edge functions cannot start threads (a function runs on one thread, as a single Lambda ' +
    'invocation does; do the work in the handler, or use the synchronous form of the package\'s API)';
  const refuse = (name, what) => ({ [name]: function () { throw internal.unavailable(what, WHY); } })[name];
  const Worker = refuse('Worker', 'new Worker()');
  const messaging = require('internal/messaging');
  const environmentData = new Map();
  module.exports = {
    isMainThread: true,
    MessagePort: messaging.MessagePort,
    MessageChannel: messaging.MessageChannel,
    markAsUntransferable() {},
    moveMessagePortToContext: refuse('moveMessagePortToContext', 'worker_threads.moveMessagePortToContext()'),
    receiveMessageOnPort: messaging.receiveMessageOnPort,
    resourceLimits: {},
    postMessageToThread: refuse('postMessageToThread', 'worker_threads.postMessageToThread()'),
    threadId: 0,
    SHARE_ENV: Symbol.for('nodejs.worker_threads.SHARE_ENV'),
    Worker,
    parentPort: null,
    workerData: null,
    BroadcastChannel: refuse('BroadcastChannel', 'BroadcastChannel'),
    setEnvironmentData(key, value) {
      if (value === undefined) environmentData.delete(key);
      else environmentData.set(key, value);
    },
    getEnvironmentData: (key) => environmentData.get(key),
  };
});
