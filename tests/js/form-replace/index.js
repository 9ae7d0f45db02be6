'use strict';
// viewer-request with include-body: parse a form POST, mark it, replace the body. A form over the
// 40 KB include-body cap arrives truncated, and the re-serialised body comes out a little longer.
const querystring = require('querystring');

exports.handler = (event, context, callback) => {
  const request = event.Records[0].cf.request;
  if (request.method === 'POST' && request.body && request.body.data) {
    const form = querystring.parse(Buffer.from(request.body.data, 'base64').toString());
    form.seen = request.body.inputTruncated ? 'truncated' : 'whole';
    request.body.action = 'replace';
    request.body.encoding = 'text';
    request.body.data = querystring.stringify(form);
  }
  callback(null, request);
};
