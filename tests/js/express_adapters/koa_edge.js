'use strict';
// serverless-http answers API Gateway events: the CloudFront request in one, its answer back as CloudFront's.
const serverless = require('serverless-http');
const querystring = require('querystring');
module.exports = (app) => {
  const handle = serverless(app, { binary: ['image/*'] });
  return async (event, context) => {
    const request = event.Records[0].cf.request;
    const headers = {};
    for (const [name, list] of Object.entries(request.headers)) headers[name] = list.map((h) => h.value).join(', ');
    const query = {};
    for (const [name, value] of Object.entries(querystring.parse(request.querystring))) query[name] = [].concat(value);
    const result = await handle({
      httpMethod: request.method,
      path: request.uri,
      multiValueQueryStringParameters: query,
      headers,
      body: request.body && request.body.data ? request.body.data : '',
      isBase64Encoded: Boolean(request.body && request.body.encoding === 'base64'),
      requestContext: { identity: { sourceIp: request.clientIp }, requestId: event.Records[0].cf.config.requestId },
    }, context);
    const out = {};
    for (const [name, value] of Object.entries(result.headers)) {
      const values = result.multiValueHeaders[name] || [value];
      if (name.toLowerCase() === 'content-length') continue; // Lambda@Edge refuses a response's Content-Length
      out[name.toLowerCase()] = values.map((v) => ({ key: name, value: String(v) }));
    }
    if (result.multiValueHeaders['set-cookie']) {
      out['set-cookie'] = result.multiValueHeaders['set-cookie'].map((v) => ({ key: 'Set-Cookie', value: v }));
    }
    return { status: String(result.statusCode), headers: out, body: result.body, bodyEncoding: result.isBase64Encoded ? 'base64' : 'text' };
  };
};
