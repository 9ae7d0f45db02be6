"""`edge new --lang js`: a minimal working handler per hook, in AWS's Lambda@Edge Node.js style."""

from __future__ import annotations

VIEWER_REQUEST = '''\
'use strict';
// {name}: a viewer-request edge function (Lambda@Edge Node.js handler; `edge docs javascript`).

exports.handler = async (event) => {{
  const request = event.Records[0].cf.request;
  // Answer /hello at the edge; every other request continues to the cache and origin.
  if (request.uri === '/hello') {{
    return {{
      status: '200',
      statusDescription: 'OK',
      headers: {{ 'content-type': [{{ key: 'Content-Type', value: 'text/plain; charset=utf-8' }}] }},
      body: 'Hello from {name}!\\n',
    }};
  }}
  // Tag the request for the origin (names starting X-Edge- or X-Amz-Cf- are reserved: the server refuses them).
  request.headers['x-function-name'] = [{{ key: 'X-Function-Name', value: '{name}' }}];
  console.log(request.method, request.uri);
  return request;
}};
'''

ORIGIN_REQUEST = '''\
'use strict';
// {name}: an origin-request edge function (Lambda@Edge Node.js handler; `edge docs javascript`).

exports.handler = (event, context, callback) => {{
  const request = event.Records[0].cf.request;
  // Directory index: ask the origin for /dir/index.html when the viewer asked for /dir/.
  if (request.uri.endsWith('/')) {{
    const before = request.uri;
    request.uri += 'index.html';
    console.log(`${{before}} -> ${{request.uri}}`);
  }}
  callback(null, request);
}};
'''

RESPONSE = '''\
'use strict';
// {name}: {a_hook} edge function (Lambda@Edge Node.js handler; `edge docs javascript`).

exports.handler = async (event) => {{
  const {{ request, response }} = event.Records[0].cf;
  // Security headers on every response.
  const headers = response.headers;
  headers['strict-transport-security'] = [{{ key: 'Strict-Transport-Security', value: 'max-age=63072000; includeSubDomains; preload' }}];
  headers['x-content-type-options'] = [{{ key: 'X-Content-Type-Options', value: 'nosniff' }}];
  headers['x-frame-options'] = [{{ key: 'X-Frame-Options', value: 'DENY' }}];
  headers['referrer-policy'] = [{{ key: 'Referrer-Policy', value: 'same-origin' }}];
  console.log(response.status, request.uri);
  return response;
}};
'''


def render(hook: str, name: str) -> tuple[str, str]:
    """(file name, source) of a new JavaScript function for `hook`."""
    template = {"viewer-request": VIEWER_REQUEST, "origin-request": ORIGIN_REQUEST}.get(hook, RESPONSE)
    a_hook = f"{'an' if hook.startswith('origin') else 'a'} {hook}"
    return "index.js", template.format(name=name, hook=hook, a_hook=a_hook)
