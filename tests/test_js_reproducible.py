"""A JavaScript function's build is reproducible: built again over its own output, next to an edge
server's state, or in a copy of its folder, it gives the same bytes (package_scope.py, dead_stack.py),
so a server that rebuilds its functions at a restart publishes no new version (a fleet trial: every
node restart published new versions of all the JavaScript samples, each build listing the previous
build's module in the next one's package). Real builds of samples/js/*, and a real server."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

from edge.js import dead_stack, engine
from edge.js.build import _package_files, build_js

from .control_helpers import ControlServer, manifest_text
from .js_helpers import answer_and_fuel, roomy_function, write_files

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "js"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _copy(sample: str, to: Path) -> Path:
    """A sample's sources, without the build output a checkout's copy may hold."""
    shutil.copytree(SAMPLES / sample, to, ignore=shutil.ignore_patterns("build"))
    return to


def test_a_rebuild_over_its_own_output_and_a_servers_state_gives_the_same_bytes(tmp_path):
    fresh = build_js(_copy("ab-testing", tmp_path / "fresh" / "ab-testing"))
    fn = _copy("ab-testing", tmp_path / "fn" / "ab-testing")
    first = build_js(fn)
    second = build_js(fn)  # over the first one's build/ab-testing.wasm
    assert _sha(first) == _sha(second) == _sha(fresh)

    # what edge serve / edge dev leave in a folder they run in: the state dir (.edge by default, or any
    # name) with stored modules, logs and the samples it copies (sources naming stream, Response, Intl:
    # built-ins and warnings the function itself does not have); `edge build -o` inside the folder;
    # a module of another handler and a temporary one being written
    state = fn / ".edge"
    (state / "artifacts").mkdir(parents=True)
    (state / "artifacts" / "old.wasm").write_bytes(first.read_bytes())
    (state / "logs.db").write_bytes(os.urandom(4096))
    shutil.copytree(SAMPLES, state / "samples" / "js", ignore=shutil.ignore_patterns("build"))
    write_files(fn / "var", {"serve.json": "{}", "logs.db": "x" * 777,
                             "samples/x.js": "require('stream'); new Response(); Intl.DateTimeFormat();\n"})
    shutil.copy(first, fn / "build" / "ab-testing.index-other.wasm")
    (fn / "build" / ".ab-testing.k2j4_x9z.wasm").write_bytes(b"\0asm\1\0\0\0")
    beside = build_js(fn, out=fn / "ab-testing.wasm")
    assert _sha(beside) == _sha(fresh)
    assert _sha(build_js(fn)) == _sha(fresh)
    assert [path for path, _ in _package_files(fn)[0]] == ["index.js"]


PNPM_INDEX = """const fs = require('fs');
const parts = ['pa', 'pb', 'pc', 'pd', 'pe', 'pf'].map((name) => require(name));
const template = fs.readFileSync(__dirname + '/page.html', 'utf8');
exports.handler = async () => ({ status: '200', body: JSON.stringify(template.replace('{}', parts.join(','))) });
"""


def _pnpm_package(root: Path, names: list[str]) -> Path:
    """A package whose dependencies are links into node_modules/.pnpm, made in the order `names`
    gives (the order the file system lists them in follows it on some file systems)."""
    write_files(root, {"index.js": PNPM_INDEX, "page.html": "<p>{}</p>\n"})
    for name in names:
        real = root / "node_modules" / ".pnpm" / f"{name}@1.0.0" / "node_modules" / name
        write_files(real, {"index.js": f"module.exports = '{name}';\n", "package.json": f'{{"name": "{name}"}}\n'})
        (root / "node_modules" / name).symlink_to(real.relative_to(root / "node_modules"))
    return root


def test_two_copies_of_a_package_made_apart_build_to_the_same_bytes(tmp_path):
    """The loader looks modules up (stat), leaving file times and inode numbers on the engine's C
    stack, which Wizer kept: two copies of a package, their files made in another order and at other
    times, built to other bytes. The dead stack is dropped, and the module still runs."""
    names = ["pa", "pb", "pc", "pd", "pe", "pf"]
    one = build_js(_pnpm_package(tmp_path / "one", names))
    time.sleep(1.1)  # other file times
    two = build_js(_pnpm_package(tmp_path / "two", names[::-1]))
    assert _sha(one) == _sha(two)
    assert dead_stack.stack_top(engine.ensure_engine()) is not None  # the layout the engine has (stack first)
    fn = roomy_function(one, "pnpm")
    try:
        response = answer_and_fuel(fn, "/")[0]
    finally:
        fn.close()
    assert response == "<p>pa,pb,pc,pd,pe,pf</p>\n"


def _versions(server: ControlServer, name: str) -> list[int]:
    response = server.admin.get(f"/v1/functions/{name}/versions")
    assert response.status_code == 200, response.text
    return [v["version"] for v in response.json()["versions"]]


def test_a_restarted_server_that_rebuilds_its_functions_publishes_no_new_version(tmp_path):
    """The samples manifest's way: functions built from their folders at start; the state directory
    inside one of them, as `edge serve` run there keeps it. Each restart finds the modules older than
    the sources (made so), so it builds them again, over the previous build's output."""
    names = ("redirect", "security-headers")
    folders = {name: _copy(name, tmp_path / name) for name in names}
    functions = "\n".join(f'[functions.js-{name}]\nsource = "{folders[name]}"\n' for name in names)
    manifest = tmp_path / "m.toml"
    manifest.write_text(manifest_text(functions=functions))
    state = folders["redirect"] / "state"
    modules: dict[str, list[str]] = {name: [] for name in names}
    old = time.time() - 3600
    for start in range(3):
        for name, folder in folders.items():
            os.utime(folder / "index.js", (old, old))
            if start:  # the module older than its source: built again at this start
                os.utime(folder / "build" / f"{name}.wasm", (old - 60, old - 60))
        server = ControlServer(manifest, state).start()
        try:
            for name in names:
                assert _versions(server, f"js-{name}") == [1], f"start {start + 1}: js-{name}"
                built = folders[name] / "build" / f"{name}.wasm"
                assert built.stat().st_mtime > old  # built at this start
                modules[name].append(_sha(built))
        finally:
            server.stop()
    assert all(len(set(shas)) == 1 for shas in modules.values()), modules
