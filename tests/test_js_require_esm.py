"""What porting handlers that bundle ESM-only npm packages ran into (tests/js/require_esm, compared with
real Node 20): require() of an ES module, as Node 20.19+ does it (uuid 12+, entities 7+ and
path-to-regexp 9 ship only ES modules), at build time and in a request, with the 'module.exports'
export, the `__esModule` facade, the "module-sync" condition, a module that throws, one with a
top-level await and cycles through require() (ERR_REQUIRE_CYCLE_MODULE; the engine trapped on them);
and Date setters given NaN, which left the date as it was (date-fns' parseISO)."""

from __future__ import annotations


import pytest


from .js_helpers import JS, invoked, results_in_node

REQUIRE_ESM = JS / "require_esm"



@pytest.fixture(scope="module")
def edge_results(tmp_path_factory) -> dict:  # type: ignore[no-untyped-def]
    return invoked("require_esm", tmp_path_factory.mktemp("js-require-esm"))


@pytest.fixture(scope="module")
def node_results() -> dict:
    return results_in_node(REQUIRE_ESM / "cases.js", {})


def test_node_requires_es_modules_as_the_cases_expect(node_results):
    """Node 20.19+ is what the cases describe (an older Node refuses require() of an ES module)."""
    r = node_results["requireESM"]
    assert r["keys"] == ["__esModule", "default", "loads", "nameUuid"] and r["condition"] == "module-sync"


@pytest.mark.parametrize("case", ["same", "toStringTag", "keys", "esModule", "extensible", "lazyKeys", "default",
                                  "loads", "uuid", "lazy", "chosen", "condition", "throws", "throwsAgain", "tla"])
def test_require_of_an_es_module_matches_node(case, edge_results, node_results):
    assert edge_results["requireESM"][case] == node_results["requireESM"][case]


@pytest.mark.parametrize("case", ["atLoad", "fromB", "x", "fromZ", "late", "again", "deeperAgain", "plain"])
def test_a_require_in_a_cycle_throws_as_in_node(case, edge_results, node_results):
    """A require() of an ES module that is being loaded (through require() or import), or that imports
    one, throws Node's ERR_REQUIRE_CYCLE_MODULE, at build time and in a request (it trapped: out of
    bounds memory access), and what is not in a cycle loads."""
    assert edge_results["cycles"][case] == node_results["cycles"][case]


def test_node_throws_err_require_cycle_module_as_the_cases_expect(node_results):
    r = node_results["cycles"]
    assert r["fromB"]["code"] == r["fromZ"]["importer"]["code"] == r["fromZ"]["deeper"]["code"] == \
        "ERR_REQUIRE_CYCLE_MODULE"
    assert r["fromZ"]["plain"] == {"returned": ["__esModule", "default", "plain"]}


def test_date_setters_given_nan_match_node(edge_results, node_results):
    assert edge_results["dateSetters"] == node_results["dateSetters"]
    assert node_results["dateSetters"]["setUTCFullYear"] == [None, None]  # the date became invalid
