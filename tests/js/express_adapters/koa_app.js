'use strict';
// One koa app for koa 2 and 3, the same API as the express one.
module.exports = (Koa) => {
  const app = new Koa();
  app.silent = true; // the teapot's error is expected
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (err.status === 418) throw err; // koa's own handler answers it
      ctx.status = err.status || 500;
      ctx.body = { error: err.message };
    }
  });
  const readBody = async (req) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  };
  app.use(async (ctx) => {
    switch (`${ctx.method} ${ctx.path}`) {
      case 'GET /api/hello':
      case 'HEAD /api/hello':
        ctx.set('Cache-Control', 'max-age=60');
        ctx.set({ 'X-Edge': 'yes', 'X-Multi': ['a', 'b'] });
        ctx.cookies.set('seen', '1', { httpOnly: true });
        ctx.cookies.set('theme', 'dark', { sameSite: 'lax', secure: true, httpOnly: false });
        ctx.body = { hello: ctx.query.name || 'world', tags: ctx.query.tag, ua: ctx.get('user-agent'), ip: ctx.ip, path: ctx.path,
          protocol: ctx.protocol, host: ctx.hostname, secure: ctx.secure, method: ctx.method, fresh: ctx.fresh };
        return;
      case 'GET /api/items/42':
        ctx.body = { id: 42, accepts: ctx.accepts(['json', 'html']) };
        return;
      case 'GET /old':
        ctx.status = 301;
        ctx.redirect('/new?from=old');
        return;
      case 'GET /login':
        ctx.redirect('/home');
        return;
      case 'GET /api/bin':
        ctx.type = 'image/png';
        ctx.body = Buffer.from([137, 80, 78, 71, 0, 1, 2, 253, 254, 255]);
        return;
      case 'GET /api/page':
        ctx.type = 'html';
        ctx.body = '<h1>h\u00e9llo</h1>';
        return;
      case 'GET /api/cached':
        ctx.body = 'same body';
        ctx.etag = 'W/"9-koa"';
        if (ctx.fresh) ctx.status = 304;
        return;
      case 'GET /api/nothing':
        ctx.status = 204;
        return;
      case 'GET /api/stream': {
        const { Readable } = require('stream');
        ctx.type = 'text/plain';
        ctx.body = Readable.from(['one ', 'two ', 'three']);
        return;
      }
      case 'POST /api/echo': {
        const text = await readBody(ctx.req);
        ctx.status = 201;
        ctx.body = { got: JSON.parse(text), type: ctx.get('content-type'), length: ctx.get('content-length') };
        return;
      }
      case 'POST /api/form':
        ctx.body = Object.fromEntries(new URLSearchParams(await readBody(ctx.req)));
        return;
      case 'GET /boom':
        throw new Error('kaboom');
      case 'GET /teapot':
        ctx.throw(418, 'short and stout');
        return;
      default:
        // nothing: koa answers 404 Not Found
    }
  });
  return app;
};
