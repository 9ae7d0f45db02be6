'use strict';

// Serve static content (viewer-request or origin-request): AWS's Lambda@Edge example
// "Serving Static Content (Generated Response)", unchanged. Every request gets this page.

const content = `
<\!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>Simple Lambda@Edge Static Content Response</title>
  </head>
  <body>
    <p>Hello from Lambda@Edge!</p>
  </body>
</html>
`;

exports.handler = (event, context, callback) => {
    /*
     * Generate HTTP OK response using 200 status code with HTML body.
     */
    const response = {
        status: '200',
        statusDescription: 'OK',
        headers: {
            'cache-control': [{
                key: 'Cache-Control',
                value: 'max-age=100',
            }],
            'content-type': [{
                key: 'Content-Type',
                value: 'text/html',
            }],
        },
        body: content,
    };
    callback(null, response);
};
