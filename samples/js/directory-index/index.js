'use strict';

// Default directory index (origin-request, or viewer-request): the AWS Compute blog's
// "default directory indexes" function, plus the CloudFront Functions add-index rule for a
// last path segment without a '.', as samples/directory-index does:
//   /about/  -> /about/index.html
//   /about   -> /about/index.html
//   /a.css, /v1.2/x.js unchanged

exports.handler = (event, context, callback) => {
    // Extract the request from the CloudFront event that is sent to Lambda@Edge
    const request = event.Records[0].cf.request;

    // Extract the URI from the request
    const olduri = request.uri;

    // Match any '/' that occurs at the end of a URI. Replace it with a default index;
    // a last segment without a '.' is a directory too.
    let newuri = olduri.replace(/\/$/, '/index.html');
    if (newuri === olduri && !olduri.slice(olduri.lastIndexOf('/')).includes('.')) {
        newuri = `${olduri}/index.html`;
    }

    // Log the URI as received by CloudFront and the new URI to be used to fetch from origin
    console.log('Old URI: ' + olduri);
    console.log('New URI: ' + newuri);

    // Replace the received URI with the URI that includes the index page
    request.uri = newuri;

    // Return to CloudFront
    return callback(null, request);
};
