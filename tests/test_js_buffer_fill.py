"""Buffer's fill, alloc, swap16/32/64 and from(array) in the sandbox against real Node, and what
they cost. tests/js/buffer_fill/cases.js runs in the edge function and in `node` and every result
must match: Node's argument shuffles (fill(value, encoding), fill(value, offset, encoding)), number
values taken modulo 256, '' filling zeros, an empty pattern or undecodable hex/base64 refused with
ERR_INVALID_ARG_VALUE, ERR_OUT_OF_RANGE and ERR_INVALID_ARG_TYPE for offsets, ends and sizes,
`fill` returning its buffer, 600 seeded fills in every encoding. Then each 1 MB operation stays
within a fuel bound far below what the `buffer` package's byte loops cost (bench/README.md J12)."""

from __future__ import annotations

import json

import pytest

from .js_helpers import JS, answer_and_fuel, build, node, roomy_function

CASES = JS / "buffer_fill" / "cases.js"
PARTS = ["table", "generated", "large"]

# Fuel bounds for one 1 MB operation (64 KB for fromArray), above the baseline request: 2-4x what
# was measured; the `buffer` package's loops cost what the comments say
BOUNDS = {
    "alloc1": 10_000_000,  # measured ~2.5M; the package 1,159M
    "allocThenFill": 10_000_000,  # ~2.5M; 1,159M
    "allocAb": 10_000_000,  # ~2.5M; 1,651M
    "allocHex": 10_000_000,  # ~2.5M; 1,651M
    "allocBuffer": 10_000_000,  # ~2.5M; 1,651M
    "fillRange": 10_000_000,  # ~2.5M; 1,650M
    "swap16": 60_000_000,  # ~30M (a copy, then the swap in the engine); 1,617M
    "swap32": 60_000_000,  # ~24M; 1,520M
    "swap64": 60_000_000,  # ~22M; 1,471M
    "fromArray": 40_000_000,  # ~14M (Uint8Array's set); 149M (64 KB)
}


@pytest.fixture(scope="module")
def function(tmp_path_factory):  # type: ignore[no-untyped-def]
    wasm = build("buffer_fill", tmp_path_factory.mktemp("js-buffer-fill"))
    fn = roomy_function(wasm, "buffer-fill")
    yield fn
    fn.close()


invoke = answer_and_fuel


@pytest.fixture(scope="module")
def node_results() -> dict:
    script = (f"const c = require({json.dumps(str(CASES))});"
              "console.log(JSON.stringify(Object.fromEntries(c.parts.map((p) => [p, c.run(p)]))))")
    return json.loads(node("-e", script))


@pytest.mark.parametrize("part", PARTS)
def test_fill_matches_node(part, function, node_results):  # type: ignore[no-untyped-def]
    edge, _ = invoke(function, f"/{part}")
    expected = node_results[part]
    assert sorted(edge) == sorted(expected)
    wrong = [key for key in expected if edge[key] != expected[key]]
    assert not wrong, f"{len(wrong)} of {len(expected)} differ: " + "; ".join(
        f"{key}: edge {edge[key]!r} node {expected[key]!r}" for key in wrong[:5])


def test_the_table_covers_what_it_says(node_results):  # type: ignore[no-untyped-def]
    table = node_results["table"]
    assert table["empty"] == "Buffer 00000000"
    assert table["emptyBuf"].startswith("TypeError ERR_INVALID_ARG_VALUE The argument 'value' is invalid. Received <Buffer >")
    assert table["hexBad"] == "TypeError ERR_INVALID_ARG_VALUE The argument 'value' is invalid. Received 'zz'"
    assert table["offNeg"].startswith("RangeError ERR_OUT_OF_RANGE")
    assert table["returnsThis"] is True
    generated = node_results["generated"]
    assert len([v for v in generated.values() if "ERR_INVALID_ARG_VALUE" in str(v)]) > 10
    assert len([v for v in generated.values() if str(v).startswith("Buffer ")]) > 400


def test_each_operation_stays_within_its_fuel_bound(function):  # type: ignore[no-untyped-def]
    _, base = invoke(function, "/op/none")
    used = {op: invoke(function, f"/op/{op}")[1] - base for op in BOUNDS}
    print("\nfuel: " + ", ".join(f"{op} {fuel:,}" for op, fuel in used.items()))
    over = {op: fuel for op, fuel in used.items() if fuel > BOUNDS[op]}
    assert not over, f"over the bound: {over}"
