"""What the docs promise about the manifest's functions: docs/pipeline.md's example has every
key a [functions.NAME] entry takes (README: it "has every option"), parsed by the manifest's own
parser, and docs/lambda-edge-differences.md lists the default isolation."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from edge.config.functions import FunctionSpec

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_the_pipeline_examples_function_has_every_key_the_manifest_takes(tmp_path):
    text = (DOCS / "pipeline.md").read_text()
    example = tomllib.loads(text.split("```toml", 1)[1].split("```", 1)[0])
    (tmp_path / "auth").mkdir()
    entry = example["functions"]["auth"]
    spec = FunctionSpec.parse("auth", entry, tmp_path)  # every key the example shows is one the parser takes
    assert spec.handler == "index.handler" and spec.max_reuse == 1000
    # every key the parser takes (the dataclass's fields, the name aside) is in the example
    taken = set(FunctionSpec.__dataclass_fields__) - {"name"}
    assert taken <= set(entry), taken - set(entry)
    for key in ("max_result_bytes", "max_log_bytes"):  # the limits the example's own line leaves out
        assert key in text
    assert "capped at the process's threads less one" in text  # concurrency's cap, as the invoker applies it


def test_the_differences_list_the_default_isolation():
    text = (DOCS / "lambda-edge-differences.md").read_text()
    row = next(line for line in text.splitlines() if line.startswith("| module-level state"))
    assert re.search(r"default isolation is `per-request`", row) and 'isolation = "reuse"' in row
