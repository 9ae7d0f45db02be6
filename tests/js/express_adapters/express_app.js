'use strict';
// One express app for express 4 and 5: what a site's API at the edge does.
module.exports = (express) => {
  const app = express();
  app.set('env', 'production'); // express's error pages without the stack, as a deployed app has them
  app.use(express.json());
  app.use(express.urlencoded({ extended: false }));
  app.get('/api/hello', (req, res) => {
    res.set('Cache-Control', 'max-age=60');
    res.set({ 'X-Edge': 'yes', 'X-Multi': ['a', 'b'] });
    res.cookie('seen', '1', { httpOnly: true, path: '/' });
    res.cookie('theme', 'dark', { sameSite: 'lax', secure: true });
    res.json({ hello: req.query.name || 'world', tags: req.query.tag, ua: req.get('user-agent'), ip: req.ip, path: req.path,
      protocol: req.protocol, host: req.hostname, secure: req.secure, method: req.method, fresh: req.fresh, xhr: req.xhr });
  });
  app.get('/api/items/:id', (req, res) => res.status(200).json({ id: Number(req.params.id), accepts: req.accepts(['json', 'html']) }));
  app.get('/old', (req, res) => res.redirect(301, '/new?from=old'));
  app.get('/login', (req, res) => res.redirect('/home'));
  app.get('/api/bin', (req, res) => res.type('image/png').send(Buffer.from([137, 80, 78, 71, 0, 1, 2, 253, 254, 255])));
  app.get('/api/page', (req, res) => res.type('html').send('<h1>h\u00e9llo</h1>'));
  app.get('/api/cached', (req, res) => res.send('same body'));
  app.get('/api/nothing', (req, res) => res.sendStatus(204));
  app.get('/api/stream', (req, res) => {
    res.type('text/plain');
    res.write('one ');
    res.write(Buffer.from('two '));
    setTimeout(() => res.end('three'), 1);
  });
  app.post('/api/echo', (req, res) => res.status(201).json({ got: req.body, type: req.get('content-type'), length: req.get('content-length') }));
  app.post('/api/form', (req, res) => res.json(req.body));
  app.get('/boom', () => { throw new Error('kaboom'); });
  app.get('/teapot', (req, res, next) => next(Object.assign(new Error('short and stout'), { status: 418 })));
  // errors: JSON, except a teapot, which goes on to express's own handler
  app.use((err, req, res, next) => {
    if (err.status === 418) return next(err);
    return res.status(err.status || 500).json({ error: err.message });
  });
  return app;
};
