'use strict';

// Read an HTML form body (viewer-request or origin-request, with include-body): AWS's
// Lambda@Edge example "Reading a form body", unchanged. CloudFront delivers the body
// base64-encoded; every field is logged and the request goes on untouched.

const querystring = require('querystring');

exports.handler = (event, context, callback) => {
    const request = event.Records[0].cf.request;

    if (request.method === 'POST') {
        /* HTTP body is always passed as base64-encoded string. Decode it. */
        const body = Buffer.from(request.body.data, 'base64').toString();

        /* HTML forms send the data in query string format. Parse it. */
        const params = querystring.parse(body);

        /* For demonstration purposes, we only log the form fields here.
         * You can put your custom logic here. For example, you can store the
         * fields in a database, such as Amazon DynamoDB, and generate a response
         * right from your Lambda@Edge function.
         */
        for (const param in params) {
            console.log(`For "${param}" user submitted "${params[param]}".`);
        }
    }
    return callback(null, request);
};
