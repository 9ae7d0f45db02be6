"""A handler that ends with the result undefined: null, as in Lambda (its Node.js runtime answers
null, which CloudFront refuses), with one WARN line naming the case and its fix. An async handler
that forgot its `return`, a promise of nothing, an async handler whose callback comes after its
promise settled (ignored, as in Lambda's runtime: the first outcome wins), callback(null). A
callback called before the promise settles wins; an explicit null or a result gets no warning."""

from __future__ import annotations

import json

import pytest

from edge.runtime import FunctionConfig, Limits

from .js_helpers import build, quick_runtime
from .test_samples import make_event, viewer_request

CASES = {
    # handler: (the result, the WARN lines' starts, words the WARN must have)
    "noReturn": (None, ["The handler's promise resolved to undefined"], ["forget to return", "return request"]),
    "promiseOfNothing": (None, ["The handler's promise resolved to undefined"], ["return request"]),
    "asyncCallbackLater": (None, ["The handler's promise resolved to undefined"],
                           ["callback is ignored once its promise has settled", "Lambda's Node.js runtime",
                            "callback(null, result)"]),
    "callbackNull": (None, ["The handler called its callback without a result"], ["callback(null, request)"]),
    "asyncCallbackFirst": ("request", [], []),
    "resolvedNull": (None, [], []),
    "returned": ("request", [], []),
}


@pytest.mark.parametrize("name", list(CASES))
def test_an_undefined_result_is_null_with_a_warning(name, tmp_path):
    result, warnings, words = CASES[name]
    wasm = build("no_result", tmp_path, handler=f"index.{name}")
    fn = quick_runtime().function(wasm.read_bytes(), FunctionConfig(name="no-result", limits=Limits()))
    try:
        request = viewer_request(uri="/x")
        outcome = fn.invoke(json.dumps(make_event("viewer-request", request)).encode(), None)
    finally:
        fn.close()
    assert outcome.ok, (outcome.error, outcome.message)
    if result is None:
        assert outcome.value is None
    else:
        assert outcome.value["uri"] == "/x"
    warned = [line.message for line in outcome.logs if line.level == "WARN"]
    assert len(warned) == len(warnings), outcome.logs
    for line, start in zip(warned, warnings):
        assert line.startswith(start) and "the result is null" in line and "CloudFront refuses" in line, line
        assert all(word in line for word in words), line
