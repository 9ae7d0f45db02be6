"""Node's deprecated `punycode` built-in (packages such as markdown-it 12 require it by that name; it
was missing) and url.domainToUnicode, which returned its argument unchanged instead of decoding xn--
labels; hosts with xn-- labels that are not valid Punycode, or that hold non-ASCII ('xn--ß.com' was
encoded again, as 'xn--xn---yna.com'), are invalid, as in Node. The cases (tests/js/punycode/cases.js)
run in an edge function and in real Node; each result must match."""

from __future__ import annotations


import pytest


from .js_helpers import JS, invoked, results_in_node

CASES = JS / "punycode" / "cases.js"



@pytest.fixture(scope="module")
def edge_results(tmp_path_factory) -> dict:  # type: ignore[no-untyped-def]
    return invoked("punycode", tmp_path_factory.mktemp("js-punycode"))


@pytest.fixture(scope="module")
def node_results() -> dict:
    return results_in_node(CASES, {})


@pytest.mark.parametrize("case", ["version", "encode", "decode", "toASCII", "toUnicode", "ucs2", "domainToUnicode",
                                  "domainToASCII", "hostname"])
def test_punycode_and_url_domains_match_node(case, edge_results, node_results):
    assert edge_results[case] == node_results[case]


def test_domain_to_unicode_decodes_xn_labels(edge_results):
    assert edge_results["domainToUnicode"][4] == "mañana.com"  # xn--maana-pta.com


def test_an_xn_label_holding_non_ascii_is_invalid(edge_results, node_results):
    i = edge_results["domains"].index("xn--ß.com")
    assert node_results["domainToASCII"][i] == edge_results["domainToASCII"][i] == ""
    assert edge_results["hostname"][i] == "TypeError: Invalid URL"
