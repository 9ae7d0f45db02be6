"""process.memoryUsage() reports the instance's memory (it returned zeros): rss is the linear
memory, the heap figures QuickJS's own accounting, and they move as the function allocates."""

from __future__ import annotations

from .js_helpers import invoked


def test_memory_usage_reports_the_instances_memory_and_follows_allocations(tmp_path) -> None:
    report = invoked("memory_usage", tmp_path)
    before, after = report["before"], report["after"]
    assert report["keys"] == ["rss", "heapTotal", "heapUsed", "external", "arrayBuffers"]  # Node's order
    for usage in (before, after):
        assert usage["rss"] % 65536 == 0 and usage["rss"] >= usage["heapTotal"] >= usage["heapUsed"] > 0, usage
    assert after["heapUsed"] - before["heapUsed"] > 2_000_000, (before, after)  # 40,000 objects of ~70 bytes
    assert report["rss"] == after["rss"]  # the cheap form agrees
