'use strict';
// tests/test_js_no_result.py: handlers that end with no result, or with one; each is built as the
// handler (index.noReturn, ...), so the runtime sees its own arity
module.exports = {
  // an async handler that forgot its `return`
  noReturn: async (event) => {
    const request = event.Records[0].cf.request;
    request.headers['x-a'] = [{ key: 'X-A', value: '1' }];
  },
  // an async handler that calls back later: its promise settled first, so the callback is ignored
  asyncCallbackLater: async (event, context, callback) => {
    const request = event.Records[0].cf.request;
    setTimeout(() => callback(null, request), 10);
  },
  // the same calling back before its promise settles: the callback's result wins
  asyncCallbackFirst: async (event, context, callback) => {
    callback(null, event.Records[0].cf.request);
  },
  // a plain function returning a promise of nothing
  promiseOfNothing: (event) => Promise.resolve().then(() => { void event; }),
  callbackNull: (event, context, callback) => { callback(null); },
  resolvedNull: async () => null,
  returned: async (event) => event.Records[0].cf.request,
};

