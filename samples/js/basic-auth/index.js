'use strict';

// HTTP Basic authentication (viewer-request): the widely used community pattern. Without
// "Authorization: Basic base64(user:pass)" the viewer gets 401 with WWW-Authenticate: Basic;
// otherwise the request continues. The credentials come from the function's environment
// variable EDGE_BASIC_AUTH ("user:pass", manifest `env`), read per request: the module's top
// level runs at build time, where the environment is empty.

const DEFAULT_CREDENTIALS = 'user:pass';

exports.handler = (event, context, callback) => {
    const request = event.Records[0].cf.request;
    const headers = request.headers;

    let credentials = process.env.EDGE_BASIC_AUTH;
    if (!credentials) {
        console.warn('EDGE_BASIC_AUTH is not set; using the sample default credentials');
        credentials = DEFAULT_CREDENTIALS;
    }

    // Build a Basic Authentication string
    const authString = 'Basic ' + Buffer.from(credentials).toString('base64');

    // Challenge for auth if auth credentials are absent or incorrect
    if (typeof headers.authorization == 'undefined' || headers.authorization[0].value != authString) {
        const body = 'Unauthorized';
        const response = {
            status: '401',
            statusDescription: 'Unauthorized',
            body: body,
            headers: {
                'www-authenticate': [{ key: 'WWW-Authenticate', value: 'Basic' }],
            },
        };
        callback(null, response);
        return;
    }

    // Continue request processing if authentication passed
    callback(null, request);
};
