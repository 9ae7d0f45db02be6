"""The run's outputs: a table on the terminal, a JSON results file, and a PNG (throughput
bars and latency CDFs) when matplotlib is installed."""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

from .scenarios import Outcome, Row, Settings, Target


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = None
    try:
        memory = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    from edge.runtime.capi import WASMTIME_VERSION

    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": memory, "system": platform.system(),
            "python": platform.python_version(), "wasmtime": WASMTIME_VERSION}


def results_document(outcomes: list[Outcome], settings: Settings, tool: str, command: str,
                     started: float) -> dict[str, Any]:
    return {
        "generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": command,
        "seconds": round(time.time() - started, 1),
        "machine": machine(),
        "settings": {**{k: v for k, v in settings.__dict__.items() if k != "servers"},
                     "servers": list(settings.servers), "load_tool": tool},
        "scenarios": [o.to_dict() for o in outcomes],
        "targets": [{"scenario": o.number, **t.to_dict(), "failed_responses": failed_responses(o)}
                    for o in outcomes for t in o.targets],
        "cdf": {f"{o.number}: {r.label}": [[p, round(ms, 4)] for p, ms in r.cdf] for o in outcomes for r in o.rows
                if r.cdf},
    }


def failed_responses(outcome: Outcome) -> int:
    """Errors and non-2xx/3xx answers in a scenario's measured loads (scenario 9's looping
    function answers 503 by design: not counted)."""
    if outcome.key == "noisy":
        return 0
    return sum(row.errors + row.non_2xx for row in outcome.rows)


def _fmt(value: float | None, spec: str) -> str:
    return "" if value is None else format(value, spec)


def table(outcomes: list[Outcome]) -> str:
    lines = []
    header = f"{'#':>2}  {'measurement':<42} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}  note"
    lines += [header, "-" * len(header)]
    for o in outcomes:
        lines.append(f"{o.number:>2}  {o.title}")
        for row in o.rows:
            fails = f" [{row.errors + row.non_2xx} failed]" if (row.errors or row.non_2xx) and o.key != "noisy" else ""
            note = row.note + fails
            lines.append(f"{'':>2}    {row.label[:40]:<40} {_fmt(row.rps, ',.0f'):>9} {_fmt(row.p50_ms, '.2f'):>8} "
                         f"{_fmt(row.p99_ms, '.2f'):>8}  {note}")
    targets = [(o.number, t, failed_responses(o)) for o in outcomes for t in o.targets]
    if targets:
        lines += ["", "targets (same run, ratios):"]
        for number, t, failed in targets:
            mark = "holds" if t.holds else "MISSED"
            if failed:  # a ratio of error pages measures nothing
                mark = f"INVALID ({failed:,} failed responses in this scenario)"
            lines.append(f"  {number:>2}. {t.text} = {t.value:.3g}  (target {t.op} {t.limit:g})  {mark}  — {t.detail}")
    return "\n".join(lines)


def write_json(doc: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(doc, indent=2) + "\n")


# -- the picture -------------------------------------------------------------------------------


def _rows(outcomes: list[Outcome], *keys: str) -> list[tuple[int, Row]]:
    return [(o.number, r) for o in outcomes if o.key in keys for r in o.rows
            if r.rps is not None and r.extra.get("plot", True)]


def write_png(outcomes: list[Outcome], path: Path, subtitle: str) -> bool:
    """Throughput bars and latency CDFs; False when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False

    js = [r for o in outcomes if o.key == "javascript" for r in o.rows]
    targets = [(o.number, t, failed_responses(o)) for o in outcomes for t in o.targets]
    rows = (3 if js else 2) + (1 if targets else 0)
    fig, axes = plt.subplots(rows, 2, figsize=(15, 5.2 * rows), squeeze=False)
    (bars_ax, servers_ax), (cdf_ax, noisy_ax) = axes[0], axes[1]
    if js:
        js_ax, cold_ax = axes[2]
        _javascript(js_ax, cold_ax, js)
    if targets:
        for ax in axes[-1]:
            ax.remove()
        _targets(fig.add_subplot(axes[-1][0].get_gridspec()[-1, :]), targets)

    main = _rows(outcomes, "proxy", "function", "native", "passthrough", "cache", "isolation")
    if main:
        labels = [f"{n}. {r.label}" for n, r in main]
        values = [r.rps for _, r in main]
        colors = ["#4878d0" if n in (2, 4, 6) else "#ee854a" if n == 3 else "#6acc64" if n == 5 else "#8c8c8c"
                  for n, _ in main]
        bars_ax.barh(range(len(values)), values, color=colors)
        bars_ax.set_yticks(range(len(values)), labels, fontsize=8)
        bars_ax.invert_yaxis()
        for i, v in enumerate(values):
            bars_ax.text(v, i, f" {v:,.0f}", va="center", fontsize=7)
        bars_ax.set_xlabel("requests/s (higher is better)")
        bars_ax.set_title("Throughput, scenarios 1–6", fontsize=10)
    else:
        bars_ax.set_axis_off()

    servers = _rows(outcomes, "servers")
    if servers:
        names = []
        fn_values, native_values = [], []
        for _, r in servers:
            label = f"{r.extra.get('server')}\n({r.extra.get('loop')})"
            if label not in names:
                names.append(label)
                fn_values.append(0.0)
                native_values.append(0.0)
            index = names.index(label)
            if r.extra.get("kind") == "function":
                fn_values[index] = r.rps or 0.0
            else:
                native_values[index] = r.rps or 0.0
        xs = range(len(names))
        width = 0.38
        servers_ax.bar([x - width / 2 for x in xs], fn_values, width, label="function (scenario 2)", color="#4878d0")
        servers_ax.bar([x + width / 2 for x in xs], native_values, width, label="native endpoint (scenario 3)",
                       color="#ee854a")
        for x, v in zip(xs, fn_values):
            servers_ax.text(x - width / 2, v, f"{v:,.0f}", ha="center", va="bottom", fontsize=7)
        for x, v in zip(xs, native_values):
            servers_ax.text(x + width / 2, v, f"{v:,.0f}", ha="center", va="bottom", fontsize=7)
        servers_ax.set_xticks(list(xs), names, fontsize=8)
        servers_ax.set_ylabel("requests/s")
        servers_ax.legend(fontsize=8)
        servers_ax.set_title("Scenario 10: the ASGI server in front", fontsize=10)
    else:
        servers_ax.set_axis_off()

    def cdf(ax, rows: list[tuple[int, Row]], title: str) -> None:  # type: ignore[no-untyped-def]
        drawn = False
        for n, r in rows:
            if not r.cdf:
                continue
            xs = [ms for _, ms in r.cdf]
            ys = [p / 100 for p, _ in r.cdf]
            ax.plot(xs, ys, label=f"{n}. {r.label}", linewidth=1.3)
            drawn = True
        if not drawn:
            ax.set_axis_off()
            return
        ax.set_xscale("log")
        ax.set_xlabel("latency, ms (log)")
        ax.set_ylabel("fraction of requests")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
        ax.set_title(title, fontsize=10)

    cdf(cdf_ax, _rows(outcomes, "proxy", "function", "native", "passthrough", "isolation"),
        "Latency CDF under load")
    cdf(noisy_ax, [(n, r) for n, r in _rows(outcomes, "noisy", "cache") if "503" not in r.label],
        "Latency CDF: cache, and the noisy neighbour")
    fig.suptitle(f"edge benchmark — {subtitle}", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.985))  # room for the title above the first row
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _targets(ax, targets: list[tuple[int, Target, int]]) -> None:  # type: ignore[no-untyped-def]
    """Every target as its margin: the measured value over the limit for a floor, the limit
    over the value for a ceiling, so 1.0 is the line either way and longer is better."""
    labels, margins, colors, notes = [], [], [], []
    for number, t, failed in targets:
        if t.op == ">=":
            margin = t.value / t.limit if t.limit else (1.0 if t.value >= t.limit else 0.0)
        else:
            margin = t.limit / t.value if t.value else (1.0 if t.value <= t.limit else 0.0)
        where = t.detail.rsplit(", ", 1)[-1] if "worker" in t.detail else ""  # scenario 13 runs both
        labels.append(f"{number}. {t.text}" + (f" ({where})" if where else ""))
        margins.append(min(margin, 3.0))
        colors.append("#8c8c8c" if failed else "#6acc64" if t.holds else "#d65f5f")
        state = "INVALID" if failed else "holds" if t.holds else "missed"
        notes.append(f" {t.value:.3g} (target {t.op} {t.limit:g}) {state}")
    ax.barh(range(len(margins)), margins, color=colors)
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_yticks(range(len(margins)), labels, fontsize=8)
    ax.invert_yaxis()
    for i, (margin, note) in enumerate(zip(margins, notes)):
        ax.text(margin, i, note, va="center", fontsize=7)
    ax.set_xlim(0, 3.6)
    ax.set_xlabel("measured ÷ target (ceilings: target ÷ measured); right of the line holds")
    ax.set_title("Targets, ratios from this run", fontsize=10)


def _javascript(served_ax, cold_ax, rows: list[Row]) -> None:  # type: ignore[no-untyped-def]
    """Scenario 12: throughput of each pair, C beside JavaScript; the cold path of each."""
    pairs: list[str] = []
    values: dict[tuple[str, str], float] = {}
    for r in rows:
        if r.extra.get("kind") == "served" and r.rps is not None:
            pair = r.extra["pair"]
            if pair not in pairs:
                pairs.append(pair)
            values[(pair, r.extra["lang"])] = r.rps
    if pairs:
        ys = range(len(pairs))
        height = 0.38
        for offset, lang, label, color in ((-height / 2, "c", "C", "#4878d0"), (height / 2, "js", "JavaScript", "#d5bb67")):
            bars = [values.get((pair, lang), 0.0) for pair in pairs]
            served_ax.barh([y + offset for y in ys], bars, height, label=label, color=color)
            for y, v in zip(ys, bars):
                if v:  # (the reuse row has no C bar)
                    served_ax.text(v, y + offset, f" {v:,.0f}", va="center", fontsize=7)
        served_ax.set_yticks(list(ys), pairs, fontsize=8)
        served_ax.invert_yaxis()
        served_ax.set_xlabel("requests/s (higher is better), per-request unless the row says reuse")
        served_ax.legend(fontsize=8, loc="lower right")
        served_ax.set_title("Scenario 12: the samples in C and in JavaScript, at each hook", fontsize=10)
    else:
        served_ax.set_axis_off()
    cold = [r for r in rows if r.extra.get("kind") == "cold" and r.p50_ms is not None]
    if cold:
        labels = [r.label.split(":")[0] for r in cold]
        xs = range(len(cold))
        width = 0.38
        fresh = [r.p50_ms * 1000 for r in cold]
        warm = [r.extra.get("warm_ms", 0.0) * 1000 for r in cold]
        cold_ax.bar([x - width / 2 for x in xs], fresh, width, label="fresh instance + first call", color="#ee854a")
        cold_ax.bar([x + width / 2 for x in xs], warm, width, label="warm call (reuse)", color="#6acc64")
        for x, f, w in zip(xs, fresh, warm):
            cold_ax.text(x - width / 2, f, f"{f:.0f}", ha="center", va="bottom", fontsize=7)
            cold_ax.text(x + width / 2, w, f"{w:.0f}", ha="center", va="bottom", fontsize=7)
        cold_ax.axhline(500, color="#c44e52", linestyle="--", linewidth=1)
        cold_ax.text(len(cold) - 0.6, 505, "target: JavaScript fresh <= 500 µs", ha="right", va="bottom", fontsize=7,
                     color="#c44e52")
        cold_ax.set_xticks(list(xs), labels, fontsize=8)
        cold_ax.set_ylabel("µs (median, in-process)")
        cold_ax.legend(fontsize=8, loc="upper center")
        cold_ax.set_title("Scenario 12: one invocation, C and JavaScript", fontsize=10)
    else:
        cold_ax.set_axis_off()


def outcomes_from(doc: dict[str, Any]) -> list[Outcome]:
    """A results document (`bench.json`) read back, to draw its picture again."""
    from . import fleet, js  # noqa: F401  (they register their targets)
    from .scenarios import Row, Target

    outcomes = []
    for o in doc["scenarios"]:
        rows = []
        for r in o["rows"]:
            row = Row(**{k: v for k, v in r.items() if k in Row.__dataclass_fields__ and k != "cdf"})
            row.cdf = [tuple(p) for p in doc.get("cdf", {}).get(f"{o['number']}: {row.label}", [])]
            rows.append(row)
        targets = [Target(t["key"], t["value"], t.get("detail", "")) for t in o["targets"]]
        outcomes.append(Outcome(o["number"], o["key"], o["title"], rows, targets, o.get("notes", []), o.get("seconds", 0.0)))
    return outcomes


def main() -> None:
    """`python -m bench.report BENCH_JSON OUT_PNG`: draw a run's picture again from its JSON."""
    import sys

    if len(sys.argv) != 3:
        raise SystemExit("usage: python -m bench.report BENCH_JSON OUT_PNG")
    doc = json.loads(Path(sys.argv[1]).read_text())
    settings = doc.get("settings", {})
    info = doc.get("machine", {})
    subtitle = (f"{info.get('cores')} cores, {info.get('cpu')}; {settings.get('load_tool')} -c{settings.get('connections')}, "
                f"{settings.get('duration')} s x {settings.get('rounds')}; {settings.get('server')} x {settings.get('workers')} worker(s)")
    if not write_png(outcomes_from(doc), Path(sys.argv[2]), subtitle):
        raise SystemExit("matplotlib is not installed: pip install 'edge-wasm[bench]'")


if __name__ == "__main__":
    main()
