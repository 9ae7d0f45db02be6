'use strict';
// One handler per style, chosen by the function's handler setting; each works at all four hooks:
// request hooks add a header naming the style, response hooks add one to the response.
function touch(event, style) {
  const cf = event.Records[0].cf;
  const target = cf.response || cf.request;
  target.headers['x-style'] = [{ key: 'X-Style', value: `${style}:${cf.config.eventType}` }];
  return target;
}

exports.callback = (event, context, callback) => {
  setTimeout(() => callback(null, touch(event, 'callback')), 5);
};

exports.asyncStyle = async (event, context) => {
  await new Promise((resolve) => setTimeout(resolve, 10));
  const target = touch(event, 'async');
  target.headers['x-context'] = [{ key: 'X-Context', value: `${context.functionName}|${context.functionVersion}|${context.awsRequestId === event.Records[0].cf.config.requestId}|${context.getRemainingTimeInMillis() > 0}|${context.callbackWaitsForEmptyEventLoop}` }];
  return target;
};

exports.promise = (event) => Promise.resolve().then(() => touch(event, 'promise'));

// A common mistake: a plain (non-async) handler returning its result. Lambda's Node.js runtime
// ignores a return value that is not a promise: the result is null, which CloudFront refuses.
exports.syncReturn = (event) => touch(event, 'sync');
