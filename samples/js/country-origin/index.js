'use strict';

// Pick the origin by viewer country (origin-request, custom origin): AWS's Lambda@Edge
// example "Using an Origin-Request Trigger to Change the Origin Domain Name Based on the
// Country Header", unchanged. GB, DE and IE viewers go to eu.example.com.

exports.handler = (event, context, callback) => {
    const request = event.Records[0].cf.request;

    if (request.headers['cloudfront-viewer-country']) {
        const countryCode = request.headers['cloudfront-viewer-country'][0].value;
        if (countryCode === 'GB' || countryCode === 'DE' || countryCode === 'IE') {
            const domainName = 'eu.example.com';
            request.origin.custom.domainName = domainName;
            request.headers['host'] = [{ key: 'host', value: domainName }];
        }
    }

    callback(null, request);
};
