"""require('console').Console and console.Console (AWS Lambda Powertools' Logger makes
`new Console({ stdout: process.stdout, stderr: process.stderr })`; both were undefined): Node's class
writing each call's text and a newline to the streams given, compared with real Node 20, and, with
process.stdout/stderr, lines in the function's log at the level the global console's method gives."""

from __future__ import annotations

import json

from .js_helpers import node
from .test_js_builtins_more import invoke, package

CASES = r"""
const { Console } = require('console');
const EventEmitter = require('events');
const stream = (into, prefix = '') => Object.assign(new EventEmitter(), { write: (chunk) => { into.push(prefix + chunk); return true; } });
exports.run = () => {
  const out = {};
  out.same = [Console === console.Console, typeof Console, Console.name, Console.length];
  const lines = [];
  const c = Console({ stdout: stream(lines) });
  c.log('a %d', 1); c.error('e'); c.warn('w'); c.info({ x: 1 }); c.debug('d');
  c.group('g'); c.log('in\nx'); c.groupEnd(); c.count(); c.count(); c.countReset(); c.count();
  c.assert(false, 'no'); c.assert(true, 'yes'); c.dir({ a: { b: { c: { d: 1 } } } }, { depth: 0 });
  const { log } = c; log('bound');
  out.lines = lines;
  const o = []; const e = [];
  const c2 = new Console(stream(o), stream(e));
  c2.log('to out'); c2.error('err'); c2.warn('wa'); c2.trace('tr');
  out.split = [o, e.map((x) => x.split('\n')[0])];
  out.keys = Object.keys(c);
  out.instance = [c instanceof Console, c2 instanceof Console];
  const g = []; const c3 = new Console({ stdout: stream(g), groupIndentation: 4 }); c3.group(); c3.log('deep'); c3.groupEnd(); c3.log('back');
  out.indent = g;
  const i = []; new Console({ stdout: stream(i), inspectOptions: { depth: 0 } }).log({ a: { b: 1 } });
  out.inspectOptions = i;
  const throwing = Object.assign(new EventEmitter(), { write() { throw new Error('x'); } });
  new Console({ stdout: throwing }).log('ignored');
  try { new Console({ stdout: throwing, ignoreErrors: false }).log('thrown'); } catch (err) { out.notIgnored = err.message; }
  out.errors = [[], [{}], [{ stdout: stream([]), stderr: 5 }], [{ stdout: stream([]), groupIndentation: 'x' }],
    [{ stdout: stream([]), colorMode: 'x' }], [{ stdout: stream([]), groupIndentation: 1001 }]].map((args) => {
    try { new Console(...args); return 'ok'; } catch (err) { return [err.code, err.name, err.message]; }
  });
  return out;
};
"""

HANDLER = """
const { Console } = require('console');
const cases = require('./cases');
const logger = new Console({ stdout: process.stdout, stderr: process.stderr });
const positional = new console.Console(process.stdout);
exports.handler = async () => {
  logger.log('via stdout %s', 'ok');
  logger.info({ level: 'INFO', message: 'structured' });
  logger.error('via stderr');
  positional.warn('positional to stdout');
  logger.warn('a warning');
  return { status: '200', body: JSON.stringify(cases.run()) };
};
"""


def test_console_class_writes_to_its_streams_as_in_node(tmp_path):
    source = package(tmp_path / "console", {"cases.js": CASES, "index.js": HANDLER})
    in_node = json.loads(node("-e", "console.log(JSON.stringify(require(%s).run()))" % json.dumps(str(source / "cases.js"))))
    at_the_edge, log = invoke(source, tmp_path)
    for key in in_node:
        assert at_the_edge.get(key) == in_node[key], key
    assert at_the_edge == in_node
    assert at_the_edge["lines"][:2] == ["a 1\n", "e\n"]
    # with process.stdout / process.stderr: the function's log, as console.log / console.error write it
    lines = [line for line in log.splitlines() if not line.startswith("REPORT")]
    assert lines == ["INFO\tvia stdout ok", "INFO\t{ level: 'INFO', message: 'structured' }", "ERROR\tvia stderr",
                     "WARN\tpositional to stdout", "WARN\ta warning"]
