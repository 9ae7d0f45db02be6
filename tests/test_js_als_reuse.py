"""AsyncLocalStorage in a `reuse` instance: one invocation's store never reaches the next.

A handler that left an `als.run(store, async () => { await pending })` behind (fire and forget)
had the next invocation of the same warm instance start inside that store: `/bob` saw
`{user: '/alice'}`, one viewer's data in another's request. In Node each handler call starts
outside any store (`getStore()` undefined). Found by a review of the module's first version."""

from __future__ import annotations

import json

from edge.js.build import build_js
from edge.runtime import FunctionConfig

from .js_helpers import quick_runtime
from .test_samples import make_event, viewer_request

HANDLER = """'use strict';
const { AsyncLocalStorage } = require('async_hooks');
const als = new AsyncLocalStorage();
exports.handler = async (event) => {
  const uri = event.Records[0].cf.request.uri;
  const seenAtStart = als.getStore() ?? null;
  als.run({ user: uri }, async () => { await new Promise((resolve) => setTimeout(resolve, 60000).unref()); });
  return { status: '200', body: JSON.stringify({ uri, seenAtStart, after: als.getStore() ?? null }) };
};
"""


def test_a_pending_run_of_one_invocation_does_not_leak_its_store_into_the_next(tmp_path):
    source = tmp_path / "als"
    source.mkdir()
    (source / "index.js").write_text(HANDLER)
    wasm = build_js(source, out=tmp_path / "als.wasm")
    fn = quick_runtime().function(wasm.read_bytes(), FunctionConfig(name="als", isolation="reuse"))
    try:
        seen = []
        for uri in ("/alice", "/bob", "/carol"):
            outcome = fn.invoke(json.dumps(make_event("viewer-request", viewer_request(uri=uri))).encode(), None)
            assert outcome.ok, (outcome.error, outcome.message)
            seen.append(json.loads(outcome.value["body"]))
    finally:
        fn.close()
    assert seen == [{"uri": uri, "seenAtStart": None, "after": None}
                    for uri in ("/alice", "/bob", "/carol")], seen
