"""Node's deprecated `punycode` built-in (packages such as markdown-it 12 require it by that name; it
was missing) and url.domainToUnicode, which returned its argument unchanged instead of decoding xn--
labels; hosts with xn-- labels that are not valid Punycode, or that hold non-ASCII ('xn--ß.com' was
encoded again, as 'xn--xn---yna.com'), are invalid, as in Node. The cases (tests/js/punycode/cases.js)
run in an edge function and in real Node; each result must match."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from edge.cli.main import cli

from .js_helpers import JS, build, node

CASES = JS / "punycode" / "cases.js"
EVENT = {"Records": [{"cf": {"config": {"distributionDomainName": "d111111abcdef8.cloudfront.net",
                                        "distributionId": "EDFDVBD6EXAMPLE", "eventType": "viewer-request",
                                        "requestId": "r1"},
                             "request": {"clientIp": "203.0.113.178", "headers": {}, "method": "GET",
                                         "querystring": "", "uri": "/x"}}}]}


@pytest.fixture(scope="module")
def edge_results(tmp_path_factory) -> dict:  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("js-punycode")
    wasm = build("punycode", out)
    event = out / "event.json"
    event.write_text(json.dumps(EVENT))
    result = CliRunner().invoke(cli, ["invoke", str(wasm), "--event", str(event)])
    assert result.exit_code == 0, result.output
    return json.loads(json.loads(result.stdout)["body"])


@pytest.fixture(scope="module")
def node_results() -> dict:
    return json.loads(node("-e", f"console.log(JSON.stringify(require({json.dumps(str(CASES))}).run()))"))


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
