import querystring from 'node:querystring';
import { gzipSync, gunzipSync } from 'zlib';
import { shout } from './lib/shout.mjs';
import helper from './lib/legacy.cjs';

export const handler = async (event) => {
  const request = event.Records[0].cf.request;
  const params = querystring.parse(request.querystring);
  const round = gunzipSync(gzipSync(params.text || 'none')).toString();
  return {
    status: '200',
    headers: { 'content-type': [{ key: 'Content-Type', value: 'text/plain' }] },
    body: `${shout(round)} ${helper.twice('x')}`,
  };
};
