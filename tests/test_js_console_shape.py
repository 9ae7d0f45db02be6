"""The global console has Node 20's shape: its 25 own properties in Node's order, all enumerable, so
an ES module's `import { Console } from 'node:console'` finds the class (AWS Lambda Powertools'
Logger 2.x does, and its function failed to build: `Could not find export 'Console' in module
'node:console'`), with V8's inspector-only methods (`clear`, `profile`, `profileEnd`, `timeStamp`,
`context`, `createTask`) and its `[object console]` tag. Compared with real Node 20; the Logger
itself, installed from npm, logs the same JSON lines at the edge as in Node."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from .js_helpers import node, npm_install
from .test_js_builtins_more import invoke, package

CASES = r"""
import * as ns from 'node:console';
import { Console, log } from 'node:console';
import defaultConsole from 'console';
import { inspect } from 'node:util';
import EventEmitter from 'node:events';

export function run() {
  const out = {};
  out.keys = Object.keys(console);
  out.namespace = Object.keys(ns).sort();
  out.named = [Console === console.Console, log === console.log, defaultConsole === console, typeof Console];
  out.descriptors = Object.keys(console).map((k) => {
    const d = Object.getOwnPropertyDescriptor(console, k);
    return [k, d.writable, d.enumerable, d.configurable, typeof d.value, d.value.name];
  });
  out.tag = [Object.prototype.toString.call(console), Object.getOwnPropertyDescriptor(console, Symbol.toStringTag)];
  out.inspected = inspect(console);
  out.nothing = [console.clear(), console.profile('p'), console.profileEnd('p'), console.timeStamp('t')];
  const context = console.context('named');
  out.context = [Object.keys(context), Object.getPrototypeOf(context) === Object.prototype, context.log('not logged')];
  const task = console.createTask('work');
  out.task = [Object.keys(task), Object.getPrototypeOf(task), task.run(() => 42), task.run.name];
  out.taskErrors = [undefined, '', 5].map((name) => {
    try { console.createTask(name); return 'ok'; } catch (err) { return [err.name, err.message]; }
  });
  const lines = [];
  new Console({ stdout: Object.assign(new EventEmitter(), { write: (chunk) => lines.push(chunk) }) }).log('to %s', 'a stream');
  out.lines = lines;
  return out;
}
"""

HANDLER = """
import { run } from './cases.mjs';
export const handler = async () => ({ status: '200', body: JSON.stringify(run()) });
"""


def test_the_console_has_nodes_shape(tmp_path):
    source = package(tmp_path / "console-shape", {"cases.mjs": CASES, "index.mjs": HANDLER})
    script = f"import({json.dumps(str(source / 'cases.mjs'))}).then((m) => console.log(JSON.stringify(m.run())))"
    in_node = json.loads(node("--input-type=module", "-e", script))
    at_the_edge, log = invoke(source, tmp_path)
    for key in in_node:
        assert at_the_edge.get(key) == in_node[key], key
    assert at_the_edge == in_node
    assert "Console" in in_node["namespace"] and len(in_node["keys"]) == 25
    assert "not logged" not in log  # a context's console reaches only an inspector, as in Node


POWERTOOLS = """
import { Logger } from '@aws-lambda-powertools/logger';
const logger = new Logger({ serviceName: 'edge-auth', logLevel: 'DEBUG', persistentLogAttributes: { team: 'web' } });
export const handler = async (event, context) => {
  logger.addContext(context);
  const request = event.Records[0].cf.request;
  logger.appendKeys({ uri: request.uri });
  logger.info('request received', { method: request.method, ip: request.clientIp });
  logger.debug('headers', { headers: Object.keys(request.headers) });
  logger.warn('something odd');
  logger.createChild({ serviceName: 'child' }).info('from child');
  return { status: '200', body: '{}' };
};
"""

# what Lambda gives the context, as `edge invoke` does (awsRequestId: the event's request id)
NODE_RUN = """
import({module}).then(async (m) => {{
  const event = {event};
  const context = {{ functionName: 'powertools', functionVersion: '1', memoryLimitInMB: '128',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:powertools:1',
    awsRequestId: event.Records[0].cf.config.requestId, getRemainingTimeInMillis: () => 5000 }};
  await m.handler(event, context);
}});
"""
VOLATILE = ("timestamp",)


def _records(lines: list[str]) -> list[dict]:
    records = [json.loads(line) for line in lines]
    for record in records:
        for key in VOLATILE:
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record.pop(key)), record
    return records


def test_powertools_logger_logs_as_in_node(tmp_path: Path) -> None:
    from .js_helpers import VIEWER_EVENT

    source = tmp_path / "powertools"
    source.mkdir()
    npm_install(source, "@aws-lambda-powertools/logger@2")
    (source / "index.mjs").write_text(POWERTOOLS)
    script = NODE_RUN.format(module=json.dumps(str(source / "index.mjs")), event=json.dumps(VIEWER_EVENT))
    node("--version")  # skips where Node is not installed
    both = subprocess.run(["node", "--input-type=module", "-e", script], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, check=True, timeout=60).stdout
    in_node = _records(both.splitlines())  # stdout and stderr, in order
    _, log = invoke(source, tmp_path)
    lines = [line.split("\t", 1) for line in log.splitlines() if not line.startswith("REPORT")]
    levels = [level for level, _ in lines]
    assert _records([text for _, text in lines]) == in_node
    assert [r["level"] for r in in_node] == ["INFO", "DEBUG", "WARN", "INFO"]
    assert levels == ["INFO", "DEBUG", "WARN", "INFO"]  # at the level of the Console method it calls
