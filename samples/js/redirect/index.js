'use strict';

// HTTP redirect (viewer-request or origin-request): AWS's Lambda@Edge example
// "Generating an HTTP Redirect (Generated Response)", unchanged.

exports.handler = (event, context, callback) => {
    /*
     * Generate HTTP redirect response with 302 status code and Location header.
     */
    const response = {
        status: '302',
        statusDescription: 'Found',
        headers: {
            location: [{
                key: 'Location',
                value: 'https://docs.aws.amazon.com/lambda/latest/dg/lambda-edge.html',
            }],
        },
    };
    callback(null, response);
};
