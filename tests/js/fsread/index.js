'use strict';
// The cases (also run in Node), and what only the edge does: a file the top level never read (or only
// looked at) is kept by the build as one of the function's own small files; a write and a connection
// fail, each saying why.
const fs = require('fs');
const net = require('net');
const cases = require('./cases');

const caught = (f) => {
  try {
    return f();
  } catch (e) {
    return { name: e.name, code: e.code, syscall: e.syscall, path: e.path, message: e.message };
  }
};
const seen = fs.existsSync('unread.txt'); // looked at, not read

const routes = {
  '/cases': () => cases.run(),
  '/edge': () => ({
    unread: caught(() => fs.readFileSync('unread.txt')),
    unreadExists: fs.existsSync('unread.txt'),
    seen,
    seenRead: caught(() => fs.readFileSync('unread.txt', 'utf8')),
    write: caught(() => fs.writeFileSync('out.txt', 'x')),
    connect: caught(() => net.connect(80, 'example.com')),
  }),
};

exports.handler = async (event) => {
  const route = routes[event.Records[0].cf.request.uri];
  return { status: '200', body: JSON.stringify(await route()) };
};
