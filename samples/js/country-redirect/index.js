'use strict';

// Redirect viewers to a country-specific URL (origin-request): AWS's Lambda@Edge example
// "Redirecting Viewer Requests to a Country-Specific URL", unchanged. CloudFront adds
// CloudFront-Viewer-Country after viewer-request, so this runs at origin-request, with the
// header in the cache key.

exports.handler = (event, context, callback) => {
    const request = event.Records[0].cf.request;

    /*
     * Based on the value of the CloudFront-Viewer-Country header, generate an
     * HTTP status code 302 (Found) response, and set a country-specific value
     * in the Location header.
     */
    let url = 'https://example.com/';
    if (request.headers['cloudfront-viewer-country']) {
        const countryCode = request.headers['cloudfront-viewer-country'][0].value;
        if (countryCode === 'TW') {
            url = 'https://tw.example.com/';
        } else if (countryCode === 'US') {
            url = 'https://us.example.com/';
        }
    }

    const response = {
        status: '302',
        statusDescription: 'Found',
        headers: {
            location: [{
                key: 'Location',
                value: url,
            }],
        },
    };
    callback(null, response);
};
