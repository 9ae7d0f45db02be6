"""JavaScript functions: Lambda@Edge Node.js handlers, unmodified, as edge reactor modules.

The door is `build_js` (edge/js/build.py): a directory with index.js/index.mjs, a single
.js/.mjs file or a Lambda-style .zip becomes a pre-initialised Wasm module that the runtime
treats like any other (docs/javascript.md). `is_js_source` tells the toolchain what is JavaScript.

- engine.py: QuickJS-NG + libdeflate + hashes + engine/edge_js.c, compiled once with zig, cached.
- fetch.py: sources and tools from PyPI and npm (Wizer), cached.
- node/*.js: the Node layer (require, console, timers, Buffer, querystring, url, zlib, crypto, ...).
- templates.py: `edge new --lang js`.
"""

from .build import JsBuildError, build_js, is_js_source

__all__ = ["JsBuildError", "build_js", "is_js_source"]
