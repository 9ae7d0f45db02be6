"""A function that fails while it loads (at build time): the stack in the build_failed message shows
the function's own frames, not the Node layer's.

A throw at the top level of index.js, a `new URL(...)` there that throws inside the layer, and a require of a package that is not there from a nested
file (lib/helper.js, required by index.js), are built for real: by build_js (what `edge build`
runs) and through the admin API (POST /v1/functions/{name}/versions, 422 build_failed). The
stack's frames are the function's files only, the first one where it threw or required, at the
line real Node names first among the function's files for the same code; before, the layer's
(`at codeError (node:internal/boot:...)`, `at requireFrom ...`, `at call (native)`, `at load ...`)
came above and between them."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from edge.js.build import build_js
from edge.js.errors import JsBuildError

from .control_helpers import ControlServer, manifest_text
from .js_helpers import node
from .test_js_archives import archive

MiB = 1024 * 1024
FUNCTIONS = {
    "throws": {
        "index.js": "'use strict';\nconst ready = false;\nif (!ready) throw new Error('not configured: set TABLE_NAME');\n"
                    "exports.handler = async () => ({ status: '200' });\n",
    },
    "bad-url": {  # thrown inside the layer (url.js) from a call at the top level
        "index.js": "'use strict';\nconst origin = process.env.ORIGIN_URL || 'not a url';\nconst base = new URL(origin);\n"
                    "exports.handler = async () => ({ status: '200', body: base.href });\n",
    },
    "missing": {
        "index.js": "'use strict';\nconst helper = require('./lib/helper');\nexports.handler = async () => helper();\n",
        "lib/helper.js": "'use strict';\n// a package the deployment left out\nconst pad = require('left-pad-nowhere');\n"
                         "module.exports = () => pad('x', 3);\n",
    },
}
FIRST_FRAME = {"throws": "index.js:3", "bad-url": "index.js:3", "missing": "lib/helper.js:3"}
STACK_LINE = re.compile(r"^\s+at ", re.MULTILINE)


def frames(message: str) -> list[str]:
    return [ln.strip() for ln in message.splitlines() if STACK_LINE.match(ln)]


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("js-build-error-frames")
    for name, files in FUNCTIONS.items():
        for path, text in files.items():
            (root / name / path).parent.mkdir(parents=True, exist_ok=True)
            (root / name / path).write_text(text)
    return root


def built(source: Path, out: Path) -> JsBuildError:
    with pytest.raises(JsBuildError) as caught:
        build_js(source, out=out)
    return caught.value


def assert_own_frames(message: str, name: str) -> None:
    shown = frames(message)
    assert shown, message
    assert all("/var/task/" in frame for frame in shown), message  # no node:internal/..., no (native)
    assert f"/var/task/{FIRST_FRAME[name]}:" in shown[0], message


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_a_build_error_shows_the_functions_own_frames(name, sources, tmp_path):  # type: ignore[no-untyped-def]
    err = built(sources / name, tmp_path / f"{name}.wasm")
    message = str(err)
    assert_own_frames(message, name)
    assert err.summary.startswith(f"{FIRST_FRAME[name]}:"), err.summary
    if name == "missing":
        assert "Cannot find module 'left-pad-nowhere'" in message
        assert "Require stack:\n- /var/task/lib/helper.js\n- /var/task/index.js" in message, message
        assert [f.split("(")[-1].rsplit(":", 2)[0] for f in frames(message)] == ["/var/task/lib/helper.js", "/var/task/index.js"]
    elif name == "bad-url":
        assert "TypeError: Invalid URL" in message, message
    else:
        assert "Error: not configured: set TABLE_NAME" in message


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_the_first_frame_is_the_line_node_names_first(name, sources, tmp_path):  # type: ignore[no-untyped-def]
    """Node's first frame in the function's files, for the same code loaded by require()."""
    copy = tmp_path / name
    shutil.copytree(sources / name, copy)
    script = (f"try {{ require({str(copy / 'index.js')!r}); }} catch (e) {{ "
              "console.log(e.stack.split('\\n').filter((l) => /^\\s+at /.test(l)).join('\\n')); }")
    node_frames = [ln for ln in node("-e", script).splitlines() if str(copy) in ln]
    first = re.search(re.escape(str(copy)) + r"/([^:]+:\d+):\d+", node_frames[0])
    assert first is not None and first[1] == FIRST_FRAME[name], node_frames
    edge = frames(str(built(sources / name, tmp_path / f"{name}.wasm")))
    assert f"/var/task/{first[1]}:" in edge[0], (edge, node_frames)


@pytest.fixture(scope="module")
def server(tmp_path_factory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("js-build-error-frames-server")
    (tmp / "m.toml").write_text(manifest_text())
    s = ControlServer(tmp / "m.toml", tmp / "state", max_upload_bytes=16 * MiB).start()
    yield s
    s.stop()


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_the_admin_apis_build_failed_shows_the_functions_own_frames(name, server):  # type: ignore[no-untyped-def]
    body = archive({path: text.encode() for path, text in FUNCTIONS[name].items()})
    r = server.admin.post(f"/v1/functions/{name}/versions", content=body, params={"filename": "fn.zip"})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "build_failed", error
    assert_own_frames(error["message"], name)
