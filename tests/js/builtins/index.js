'use strict';
const cases = require('./cases');

exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  let body;
  if (request.uri === '/timers') body = JSON.stringify(await cases.timers());
  else if (request.uri === '/streams') body = JSON.stringify(await require('./streams').run());
  else if (request.uri === '/env') body = JSON.stringify(process.env);
  else if (request.uri === '/version') body = JSON.stringify([process.version, process.versions.node, process.versions.edge]);
  else if (request.uri === '/gzip') body = cases.gzip('made by the edge');
  else if (request.uri === '/console') {
    console.log('log %s', 'line', { nested: { deep: { deeper: { deepest: 1 } } } }, [1, 2]);
    console.info('info', 42);
    console.warn('warn', new Map([[1, 2]]));
    console.error('error', new Error('shown with its stack'));
    console.debug('debug');
    body = 'logged';
  } else if (request.uri === '/stack') {
    console.log(new Error('boom').stack);
    body = 'logged';
  } else body = JSON.stringify(cases.run());
  return { status: '200', headers: { 'content-type': [{ key: 'Content-Type', value: 'application/json' }] }, body };
};
