"""require('os') (edge/js/node/os.js): Node's os module describing the sandbox, the same on every
host. What does not depend on the machine (exports, shapes and types, EOL, devNull, os.constants,
argument and system errors) is compared with real Node 20; what would show the host is asserted to
be the fixed values docs/javascript.md gives (hostname, release, user, CPUs, memory as the memory
cap). Then packages that use it as dotenv and loggers do, built and invoked through the real
runtime, and the AWS SDK's detection: its clients are refused by name, since with os there they
would load and fail only when called."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.js.build import JsBuildError, build_js

from .js_helpers import VIEWER_EVENT, node

MiB = 1024 * 1024

# Run by real Node and inside the engine: only what is not the host's.
CASES = r"""
const os = require('os');
// String(e) of a SystemError only: the layer's other errors with a code (ERR_INVALID_ARG_TYPE, ...) are
// plain TypeErrors and RangeErrors, whose toString has no ` [code]` as Node's have
const described = (e) => ({ name: e.name, code: e.code, message: e.message,
  str: e.name === 'SystemError' ? String(e) : undefined, keys: Object.keys(e),
  info: e.info, errno: e.errno, syscall: e.syscall, isError: e instanceof Error });
const attempt = (f) => { try { return { ok: f() }; } catch (e) { return described(e); } };
const descriptor = (name) => {
  const d = Object.getOwnPropertyDescriptor(os, name);
  return { writable: d.writable, enumerable: d.enumerable, configurable: d.configurable };
};
exports.run = () => {
  const fns = Object.keys(os).filter((k) => typeof os[k] === 'function');
  const user = os.userInfo();
  const asBuffers = os.userInfo({ encoding: 'buffer' });
  const cpus = os.cpus();
  return {
    keys: Object.keys(os),
    types: Object.fromEntries(Object.keys(os).map((k) => [k, typeof os[k]])),
    lengths: Object.fromEntries(fns.map((k) => [k, os[k].length])),
    toPrimitive: fns.filter((k) => typeof os[k][Symbol.toPrimitive] === 'function'),
    results: Object.fromEntries(['arch', 'availableParallelism', 'endianness', 'freemem', 'homedir', 'hostname',
      'machine', 'platform', 'release', 'tmpdir', 'totalmem', 'type', 'uptime', 'version'].map((k) => [k, typeof os[k]()])),
    primitive: `${os.platform}|${os.type}|${os.endianness}` === `${os.platform()}|${os.type()}|${os.endianness()}`,
    eol: os.EOL, devNull: os.devNull, platform: os.platform(), type: os.type(), endianness: os.endianness(),
    sameAsProcess: [os.platform() === process.platform, os.arch() === process.arch],
    descriptors: { EOL: descriptor('EOL'), devNull: descriptor('devNull'), constants: descriptor('constants') },
    constants: JSON.stringify(os.constants),
    constantsNullProto: [os.constants, os.constants.signals, os.constants.errno, os.constants.priority,
      os.constants.dlopen].map((o) => Object.getPrototypeOf(o) === null),
    userInfo: { nullProto: Object.getPrototypeOf(user) === null, keys: Object.keys(user),
      types: Object.values(user).map((v) => typeof v),
      buffers: ['username', 'homedir', 'shell'].map((k) => Buffer.isBuffer(asBuffers[k])),
      bufferSame: ['username', 'homedir', 'shell'].map((k) => asBuffers[k].toString() === user[k]),
      upperBuffer: Buffer.isBuffer(os.userInfo({ encoding: 'BUFFER' }).username),
      hex: os.userInfo({ encoding: 'hex' }).username === Buffer.from(user.username).toString('hex'),
      base64: os.userInfo({ encoding: 'base64' }).homedir === Buffer.from(user.homedir).toString('base64'),
      otherArgs: [os.userInfo('buffer'), os.userInfo({ encoding: 5 }), os.userInfo({ encoding: 'bogus' }),
        os.userInfo(null)].map((u) => typeof u.username) },
    cpus: { isArray: Array.isArray(cpus), some: cpus.length >= 1, keys: Object.keys(cpus[0]),
      times: Object.keys(cpus[0].times), types: [typeof cpus[0].model, typeof cpus[0].speed],
      timeTypes: Object.values(cpus[0].times).map((v) => typeof v) },
    loadavg: os.loadavg().map((v) => typeof v), loadavgLength: os.loadavg().length,
    interfaces: typeof os.networkInterfaces() === 'object' && os.networkInterfaces() !== null,
    parallelism: Number.isInteger(os.availableParallelism()) && os.availableParallelism() >= 1,
    memory: os.freemem() <= os.totalmem() && os.totalmem() > 0,
    errors: [
      () => os.getPriority('x'), () => os.getPriority(1.5), () => os.getPriority(NaN), () => os.getPriority(null),
      () => os.getPriority(2 ** 31), () => os.getPriority(2147483647), () => os.setPriority(0, 100),
      () => os.setPriority(0, 1.5), () => os.setPriority('a'), () => os.setPriority(0, '1'),
      () => os.setPriority(2 ** 40, 1), () => os.setPriority(0, -21), () => os.setPriority(2147483647, 1),
      () => os.setPriority(-0, 2 ** 33),
    ].map(attempt),
  };
};
"""

# The handler the edge runs CASES in, and the fixed values it reports besides.
HANDLER = r"""
const os = require('os');
const cases = require('./cases');
const atBuild = { totalmem: os.totalmem() };
const attempt = (f) => { try { return { ok: f() === undefined ? null : f() }; } catch (e) { return [e.code, e.message]; } };
exports.handler = async () => {
  const results = cases.run(); // before the priority below is raised
  const fixed = {
    hostname: os.hostname(), release: os.release(), version: os.version(), machine: os.machine(), arch: os.arch(),
    homedir: os.homedir(), tmpdir: os.tmpdir(), userInfo: { ...os.userInfo() }, cpus: os.cpus(),
    availableParallelism: os.availableParallelism(), totalmem: os.totalmem(), atBuild,
    freemem: os.freemem(), loadavg: os.loadavg(), networkInterfaces: os.networkInterfaces(),
    uptime: os.uptime(), processUptime: process.uptime(),
    priority: [os.getPriority(), attempt(() => os.setPriority(-1)), attempt(() => os.setPriority(10)), os.getPriority(),
      os.getPriority(process.pid), attempt(() => os.setPriority(process.pid, 5)), attempt(() => os.setPriority(0, 12)),
      os.getPriority()],
  };
  return { status: '200', body: JSON.stringify({ cases: results, fixed }) };
};
"""


def invoke(source: Path, out_dir: Path, *options: str) -> dict:
    """The JSON body `source`'s handler answers VIEWER_EVENT with, built and run by `edge invoke`."""
    wasm = build_js(source, out=out_dir / f"{source.name}.wasm")
    event = out_dir / "event.json"
    event.write_text(json.dumps(VIEWER_EVENT))
    result = CliRunner().invoke(cli, ["invoke", str(wasm), "--event", str(event), *options])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["status"] == "200", answer
    return json.loads(answer["body"])


def package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture(scope="module")
def os_package(tmp_path_factory) -> Path:
    return package(tmp_path_factory.mktemp("os") / "os", {"cases.js": CASES, "index.js": HANDLER})


@pytest.fixture(scope="module")
def in_node(os_package) -> dict:
    return json.loads(node("-e", f"console.log(JSON.stringify(require({json.dumps(str(os_package / 'cases.js'))}).run()))"))


@pytest.fixture(scope="module")
def at_the_edge(os_package, tmp_path_factory) -> dict:
    return invoke(os_package, tmp_path_factory.mktemp("os-build"))


def test_what_does_not_depend_on_the_host_is_nodes(in_node, at_the_edge):
    edge = at_the_edge["cases"]
    for key in in_node:
        assert edge[key] == in_node[key], key
    assert edge == in_node


def test_constants_are_node_20s_for_linux(in_node, at_the_edge):
    constants = json.loads(at_the_edge["cases"]["constants"])
    assert constants == json.loads(in_node["constants"])
    assert constants["signals"]["SIGTERM"] == 15 and constants["errno"]["ENOENT"] == 2
    assert constants["priority"]["PRIORITY_HIGHEST"] == -20 and constants["dlopen"]["RTLD_NOW"] == 2
    assert list(constants) == ["UV_UDP_REUSEADDR", "dlopen", "errno", "signals", "priority"]


def test_argument_and_system_errors_are_nodes(at_the_edge):
    errors = at_the_edge["cases"]["errors"]
    assert errors[0]["message"] == 'The "pid" argument must be of type number. Received type string (\'x\')'
    assert errors[5] == {  # a pid that is not the function's: no such process, as in Node
        "name": "SystemError", "code": "ERR_SYSTEM_ERROR", "isError": True,
        "message": "A system error occurred: uv_os_getpriority returned ESRCH (no such process)",
        "str": "SystemError [ERR_SYSTEM_ERROR]: A system error occurred: uv_os_getpriority returned ESRCH "
               "(no such process)",
        "keys": ["code", "info", "errno", "syscall"], "errno": -3, "syscall": "uv_os_getpriority",
        "info": {"errno": -3, "code": "ESRCH", "message": "no such process", "syscall": "uv_os_getpriority"}}
    assert errors[10]["message"] == ('The value of "pid" is out of range. It must be >= -2147483648 && '
                                     "<= 2147483647. Received 1_099_511_627_776")


def test_the_host_does_not_show_the_values_are_fixed(at_the_edge):
    fixed = at_the_edge["fixed"]
    assert (fixed["hostname"], fixed["release"], fixed["version"]) == ("localhost", "5.10.0-edge", "#1 SMP edge")
    assert (fixed["arch"], fixed["machine"]) == ("wasm32", "wasm32")
    assert (fixed["homedir"], fixed["tmpdir"]) == ("/home/sbx_user1051", "/tmp")
    assert fixed["userInfo"] == {"uid": 993, "gid": 990, "username": "sbx_user1051", "homedir": "/home/sbx_user1051",
                                 "shell": "/sbin/nologin"}
    assert fixed["cpus"] == [{"model": "WebAssembly", "speed": 0,
                              "times": {"user": 0, "nice": 0, "sys": 0, "idle": 0, "irq": 0}}]
    assert fixed["availableParallelism"] == 1
    assert fixed["loadavg"] == [0, 0, 0] and fixed["networkInterfaces"] == {}
    assert 0 <= fixed["uptime"] <= fixed["processUptime"] + 0.01


def test_memory_is_the_memory_cap(at_the_edge, os_package, tmp_path):
    fixed = at_the_edge["fixed"]
    assert fixed["totalmem"] == 128 * MiB  # edge invoke's default cap
    assert 0 < fixed["freemem"] < fixed["totalmem"]
    bigger = invoke(os_package, tmp_path, "--memory", "256")["fixed"]
    assert bigger["totalmem"] == 256 * MiB
    assert bigger["atBuild"] == {"totalmem": 128 * MiB}  # top-level code runs at build time: the default cap


def test_priority_can_be_raised_not_lowered(at_the_edge):
    """As Lambda's sandbox user (no CAP_SYS_NICE): a lower niceness is EACCES, a higher one sticks."""
    eacces = ["ERR_SYSTEM_ERROR", "A system error occurred: uv_os_setpriority returned EACCES (permission denied)"]
    assert at_the_edge["fixed"]["priority"] == [0, eacces, {"ok": None}, 10, 10, eacces, {"ok": None}, 12]


ESM = {
    "index.mjs": """import os from 'os';
import { EOL, platform, constants } from 'node:os';
import * as ns from 'node:os';
export const handler = async () => ({ status: '200', body: JSON.stringify({
  eol: EOL, platform: platform(), sigint: constants.signals.SIGINT, same: os.EOL === EOL && ns.default === os,
  hostname: ns.hostname() }) });
""",
}


def test_es_modules_import_os(tmp_path):
    body = invoke(package(tmp_path / "esm", ESM), tmp_path)
    assert body == {"eol": "\n", "platform": "linux", "sigint": 2, "same": True, "hostname": "localhost"}


# dotenv's parse (lines split on os.EOL-aware patterns) and a logger's bindings and line ends, as
# pino and winston make them: os.hostname(), process.pid, os.EOL after each record.
DOTENV_LOGGER = {
    ".env": "GREETING=hello\nNAME=edge # a comment\n\nQUOTED='a b'\n",
    "node_modules/tiny-dotenv/package.json": json.dumps({"name": "tiny-dotenv", "main": "main.js"}),
    "node_modules/tiny-dotenv/main.js": """const fs = require('fs');
const os = require('os');
const path = require('path');
function parse(src) {
  const out = {};
  for (const line of src.toString().replace(/\\r\\n?/g, '\\n').split(os.EOL)) {
    const m = /^\\s*([\\w.-]+)\\s*=\\s*('[^']*'|"[^"]*"|[^#]*)/.exec(line);
    if (m) out[m[1]] = m[2].trim().replace(/^(['"])(.*)\\1$/, '$2');
  }
  return out;
}
function config() {
  const parsed = parse(fs.readFileSync(path.resolve(process.cwd(), '.env'), 'utf8'));
  for (const [k, v] of Object.entries(parsed)) if (!(k in process.env)) process.env[k] = v;
  return { parsed };
}
module.exports = { parse, config };
""",
    "node_modules/tiny-logger/package.json": json.dumps({"name": "tiny-logger", "main": "index.js"}),
    "node_modules/tiny-logger/index.js": """const os = require('node:os');
const base = { pid: process.pid, hostname: os.hostname() };
module.exports = () => {
  const lines = [];
  const log = (level) => (msg) => lines.push(JSON.stringify({ level, ...base, msg }) + os.EOL);
  return { info: log(30), warn: log(40), output: () => lines.join('') };
};
""",
    "index.js": """const { parsed } = require('tiny-dotenv').config();
const logger = require('tiny-logger')();
logger.info('loaded');
exports.handler = async (event) => {
  logger.warn('request ' + event.Records[0].cf.request.uri);
  return { status: '200', body: JSON.stringify({ parsed, output: logger.output(), eol: require('os').EOL }) };
};
""",
}


def test_dotenv_and_a_logger_work_in_a_function(tmp_path):
    body = invoke(package(tmp_path / "dotenv", DOTENV_LOGGER), tmp_path)
    assert body["parsed"] == {"GREETING": "hello", "NAME": "edge", "QUOTED": "a b"}
    assert body["eol"] == "\n"
    assert body["output"] == ('{"level":30,"pid":1,"hostname":"localhost","msg":"loaded"}\n'
                              '{"level":40,"pid":1,"hostname":"localhost","msg":"request /x"}\n')


# ---- the AWS SDK: its clients are refused by name, installed or not ----

SDK_WHY = ("the AWS SDK cannot work in edge functions, which make no network calls (move the call to the origin, "
           "or put the data in the package)")


def sdk_package(root: Path, index: str, **packages: str) -> Path:
    files = {"index.js" if "import " not in index else "index.mjs": index}
    for name, main in packages.items():
        name = name.replace("__", "/").replace("_", "-")
        files[f"node_modules/{name}/package.json"] = json.dumps({"name": name, "main": "index.js"})
        files[f"node_modules/{name}/index.js"] = main
    return package(root, files)


SMITHY_CORE = "const os = require('node:os');\nexports.home = os.homedir();\n"


@pytest.mark.parametrize("name", ["@aws-sdk/client-fake", "@aws-sdk/client-dynamodb", "@aws-sdk/lib-dynamodb",
                                  "@aws-sdk/credential-providers", "@aws-sdk/credential-provider-node",
                                  "aws-sdk", "aws-sdk/clients/s3"])
def test_a_top_level_require_of_an_sdk_client_fails_the_build_naming_it(tmp_path, name):
    """Installed (client-fake, its core wanting os, which loads now) or not (Lambda's runtime has v3)."""
    root = sdk_package(tmp_path / "fn", f"const sdk = require('{name}');\nexports.handler = async () => sdk;\n",
                       **{"@aws-sdk__client_fake": "module.exports = require('@smithy/fake-core');\n",
                          "@smithy__fake_core": SMITHY_CORE})
    with pytest.raises(JsBuildError) as failure:
        build_js(root, out=tmp_path / "out.wasm")
    assert failure.value.summary == f"index.js:1:13: Error: Cannot find module '{name}': {SDK_WHY}"


def test_an_es_module_importing_an_sdk_client_fails_the_build(tmp_path):
    root = sdk_package(tmp_path / "fn", "import { X } from '@aws-sdk/client-fake';\nexport const handler = () => X;\n",
                       **{"@aws-sdk__client_fake": "exports.X = 1;\n"})
    with pytest.raises(JsBuildError) as failure:
        build_js(root, out=tmp_path / "out.wasm")
    assert f"index.mjs:1: cannot find module '@aws-sdk/client-fake': {SDK_WHY}" in failure.value.summary


def test_a_guarded_sdk_require_throws_when_it_runs(tmp_path):
    index = """let client = null, failure = null;
try { client = require('@aws-sdk/client-fake'); } catch (err) { failure = [err.code, err.message.split('\\n')[0]]; }
exports.handler = async () => ({ status: '200', body: JSON.stringify({ client, failure }) });
"""
    root = sdk_package(tmp_path / "fn", index, **{"@aws-sdk__client_fake": "exports.X = 1;\n"})
    body = invoke(root, tmp_path)
    assert body == {"client": None, "failure": ["MODULE_NOT_FOUND", f"Cannot find module '@aws-sdk/client-fake': {SDK_WHY}"]}


def test_the_sdks_offline_utilities_still_load(tmp_path):
    """@aws-sdk/cloudfront-signer and util-dynamodb make no calls: they (and the @smithy packages they use,
    which want os) load as any package."""
    index = "const u = require('@aws-sdk/util-fake');\nexports.handler = async () => ({ status: '200', body: JSON.stringify(u) });\n"
    root = sdk_package(tmp_path / "fn", index, **{"@aws-sdk__util_fake": "module.exports = require('@smithy/fake-core');\n",
                                                  "@smithy__fake_core": SMITHY_CORE})
    assert invoke(root, tmp_path) == {"home": "/home/sbx_user1051"}


def test_a_module_missing_deeper_in_the_sdk_still_names_the_sdk_package(tmp_path):
    """A package of the SDK that is not refused and wants what edge functions lack (child_process)."""
    root = sdk_package(tmp_path / "fn", "const s = require('@aws-sdk/signature-fake');\nexports.handler = async () => s;\n",
                       **{"@aws-sdk__signature_fake": "module.exports = require('@smithy/fake-core');\n",
                          "@smithy__fake_core": "const cp = require('node:child_process');\nexports.cp = cp;\n"})
    with pytest.raises(JsBuildError) as failure:
        build_js(root, out=tmp_path / "out.wasm")
    assert failure.value.summary == ("node_modules/@smithy/fake-core/index.js:1:12: Error: Cannot find module "
                                     f"'node:child_process' inside @aws-sdk/signature-fake: {SDK_WHY}")
