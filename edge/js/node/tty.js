// require('tty'): edge functions have no terminal. isatty() is false for every descriptor (so
// packages such as debug or chalk print without colours); the streams cannot be made.
defineBuiltin('tty', function (exports, require, module, internal) {
  const refuse = (what) => {
    throw internal.unavailable(`new tty.${what}()`, 'they have no terminal (tty.isatty() is always false)');
  };
  exports.isatty = (fd) => false;
  exports.ReadStream = class ReadStream { constructor() { refuse('ReadStream'); } };
  exports.WriteStream = class WriteStream { constructor() { refuse('WriteStream'); } };
});
