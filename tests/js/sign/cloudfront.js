'use strict';
// A viewer-request handler that sends the viewer to a CloudFront signed URL with a canned policy,
// made as AWS's @aws-sdk/cloudfront-signer and aws-cloudfront-sign make it: RSA-SHA1 over the policy
// with the key pair's PEM private key, in base64 with '+' -> '-', '=' -> '_' and '/' -> '~'
// (tests/test_js_sign.py runs signedUrl in Node too).
const crypto = require('crypto');
const { privateKey, keyPairId } = require('./fixtures').cloudfront;

function signedUrl(url, expires) {
  const policy = JSON.stringify({ Statement: [{ Resource: url, Condition: { DateLessThan: { 'AWS:EpochTime': expires } } }] });
  const signature = crypto.createSign('RSA-SHA1').update(policy).sign(privateKey, 'base64')
    .replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~');
  return `${url}${url.includes('?') ? '&' : '?'}Expires=${expires}&Signature=${signature}&Key-Pair-Id=${keyPairId}`;
}

exports.signedUrl = signedUrl;
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  const host = request.headers.host[0].value;
  const query = request.querystring ? `?${request.querystring}` : '';
  const url = signedUrl(`https://${host}/media${request.uri}${query}`, Math.floor(Date.now() / 1000) + 3600);
  return { status: '302', statusDescription: 'Found', headers: { location: [{ key: 'Location', value: url }] } };
};
