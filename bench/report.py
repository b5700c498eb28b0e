"""The benchmark's results: one measurement per endpoint and data set, the issue's targets
checked against them, and the Markdown table the README links to."""

import json
import os
import subprocess
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness import ROOT, say

RESULTS = ROOT / "bench" / "results"


@dataclass
class Measurement:
    """One endpoint of one data set: throughput, latency, queries, memory."""

    backend: str
    cases: int
    endpoint: str
    label: str
    status: str = "ok"  # "ok", "n/a" or "error"
    note: str = ""
    rps: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    queries: int | None = None
    peak_rss_mb: float | None = None
    requests: int | None = None
    errors: int | None = None
    bare_ratio: float | None = None  # the bare endpoint's req/s over this one's
    # CPU time per request of the workers, and of PostgreSQL's processes for this database:
    # what a request costs, however busy the machine was with other work.
    cpu_ms: float | None = None
    db_cpu_ms: float | None = None
    bare_cpu_ratio: float | None = None  # this one's CPU per request over the bare one's
    targeted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total_cpu_ms(self) -> float:
        return (self.cpu_ms or 0) + (self.db_cpu_ms or 0)


def describe(m: Measurement) -> str:
    if m.status != "ok":
        return f"{m.status} ({m.note})"
    return (
        f"{m.rps} req/s, p50 {m.p50_ms} ms, p95 {m.p95_ms} ms, CPU {_cpu(m)} ms/request, "
        f"{m.queries} queries, {m.peak_rss_mb} MB" + (f"; {m.note}" if m.note else "")
    )


def _cpu(m: Measurement) -> str:
    if m.cpu_ms is None:
        return "—"
    if m.db_cpu_ms is None:
        return f"{m.cpu_ms:.1f}"
    return f"{m.cpu_ms:.1f} + {m.db_cpu_ms:.1f}"


# -- the report ----------------------------------------------------------------------------


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def check_targets(results: list[Measurement], settings: Any) -> list[tuple[str, str, str]]:
    """(target, backend, verdict with numbers) for the issue's numbers to reach."""
    rows: list[tuple[str, str, str]] = []
    top = max(settings.scales)
    low = min(settings.scales)

    def find(backend: str, scale: int, key: str) -> Measurement | None:
        return next(
            (
                m
                for m in results
                if (m.backend, m.cases, m.endpoint) == (backend, scale, key) and m.status == "ok"
            ),
            None,
        )

    for backend in settings.backends:
        for key, name in (("queue", "queue"), ("case", "case page"), ("my_notices", "my notices")):
            m = find(backend, top, key)
            if m is None or m.p95_ms is None:
                failed = next((r for r in results if (r.backend, r.cases, r.endpoint)
                               == (backend, top, key)), None)  # fmt: skip
                verdict = f"MISSED: {failed.note}" if failed else "not measured"
                rows.append((f"{name}: p95 < 50 ms at {top:,}", backend, verdict))
                continue
            ok = m.p95_ms < 50
            rows.append(
                (
                    f"{name}: p95 < 50 ms at {top:,}",
                    backend,
                    f"{'met' if ok else 'MISSED'}: {m.p95_ms} ms",
                )
            )
            ok = m.bare_ratio is not None and m.bare_ratio <= 10
            cpu = f"; by CPU time 1/{m.bare_cpu_ratio}" if m.bare_cpu_ratio else ""
            rows.append(
                (
                    f"{name}: ≥ 1/10 of bare req/s at {top:,}",
                    backend,
                    f"{'met' if ok else 'MISSED'}: 1/{m.bare_ratio} ({m.rps} req/s){cpu}",
                )
            )
        small, big = find(backend, low, "queue"), find(backend, top, "queue")
        if small and big and small.rps and big.rps and low != top:
            cost = round(small.rps / big.rps, 2)
            cpu = ""
            if small.total_cpu_ms and big.total_cpu_ms:
                cpu = f"; by CPU time {big.total_cpu_ms / small.total_cpu_ms:.2f}x"
            rows.append(
                (
                    f"queue {low:,} → {top:,} cases costs < 2x",
                    backend,
                    f"{'met' if cost < 2 else 'MISSED'}: {cost}x "
                    f"({small.rps} → {big.rps} req/s){cpu}",
                )
            )
        d = find(backend, top, "digests")
        if d is not None:
            seconds = d.extra["seconds"]
            rows.append(
                (
                    f"digests for every rep < 60 s at {top:,}",
                    backend,
                    f"{'met' if seconds < 60 else 'MISSED'}: {seconds:.1f} s for "
                    f"{d.extra['due']} reps ({d.extra.get('cpu_seconds', 0):.1f} s of CPU "
                    f"in the job's process), {d.extra['queries_per_rep']:.1f} queries "
                    "per rep",
                )
            )
        e = find(backend, top, "export")
        if e is not None:
            growth = round((e.peak_rss_mb or 0) - e.extra["rss_before_mb"], 1)
            rows.append(
                (
                    f"export streams with flat memory at {top:,}",
                    backend,
                    f"{'met' if growth < 50 else 'MISSED'}: {e.extra['rows']:,} rows, "
                    f"worker grew {growth} MB",
                )
            )
        peaks = [
            m.peak_rss_mb
            for m in results
            if m.backend == backend and m.peak_rss_mb and m.endpoint != "digests"
        ]
        if peaks:
            rows.append(
                (
                    "a worker stays under 200 MB resident",
                    backend,
                    f"{'met' if max(peaks) < 200 else 'MISSED'}: peak {max(peaks)} MB",
                )
            )
    return rows


def _shown(value: Any) -> str:
    """A setting as the results file keeps it: paths inside the checkout relative to it
    (the file is committed; a machine's own paths do not belong in it)."""
    if isinstance(value, Path) and value.is_absolute() and value.is_relative_to(ROOT):
        return str(value.relative_to(ROOT))
    return str(value)


def write_report(
    settings: Any,
    results: list[Measurement],
    infos: list[dict[str, Any]],
    started: float,
    endpoint_order: list[str],
) -> None:
    """The table, the targets and the data sets, to ``settings.out`` (and its JSON)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(  # noqa: S603
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH
        cwd=ROOT,
        capture_output=True,
        text=True,  # noqa: S607
    ).stdout.strip()
    lines = [
        "# Steward load benchmark: latest results",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on commit `{commit or '?'}`, "
        f"{os.cpu_count()} CPUs, in {(time.perf_counter() - started) / 60:.0f} minutes, by "
        "`make bench` (`bench/run_bench.py`). Each endpoint: "
        f"`wrk -t{settings.threads} -c{settings.connections} -d{settings.duration}s` after "
        f"a {settings.warmup} s warm-up, against gunicorn with {settings.workers} sync workers "
        "(production settings, rate limits off, `STEWARD_COUNT_QUERIES=1`) on 127.0.0.1; "
        "wrk, gunicorn and the database share the machine.",
        "",
        "*x bare* is the bare endpoint's requests per second over the page's, in the same "
        "run: the page costs that many bare requests (the target is 10 at most). *CPU "
        "ms/req* is the CPU time the gunicorn workers (+ PostgreSQL's processes for the "
        "database) spent per request, and *x bare CPU* the same ratio computed from it: "
        "unlike req/s and latency, these hardly change when other work shares the machine. "
        "Queries are per request; peak RSS is the largest worker's resident memory while "
        "the endpoint was loaded.",
        "",
        "| endpoint | cases | backend | req/s | p50 ms | p95 ms | x bare | CPU ms/req | "
        "x bare CPU | queries | peak RSS MB | note |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    order = {key: i for i, key in enumerate(endpoint_order)}
    order |= {"export": len(order), "digests": len(order) + 1}
    for m in sorted(
        results, key=lambda m: (order.get(m.endpoint, 99), m.backend != "sqlite", m.cases)
    ):
        label = m.label if m.status != "n/a" else m.label.split(" (")[0]
        note = m.note if m.status != "n/a" else "n/a (not built yet)"
        lines.append(
            f"| {label} | {m.cases:,} | {m.backend} | {_num(m.rps)} | {_num(m.p50_ms)} | "
            f"{_num(m.p95_ms)} | {_num(m.bare_ratio, 1)} | {_cpu(m)} | "
            f"{_num(m.bare_cpu_ratio, 1)} | {_num(m.queries)} | {_num(m.peak_rss_mb)} | {note} |"
        )
    lines += [
        "",
        "## The numbers to reach",
        "",
        "| target | backend | result |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {t} | {b} | {v} |" for t, b, v in check_targets(results, settings)]
    lines += [
        "",
        "## Data sets",
        "",
        "| backend | cases | generated in | rep | case | member |",
        "| --- | ---: | ---: | --- | --- | --- |",
    ]
    for info in infos:
        if info.get("error"):
            lines.append(
                f"| {info['backend']} | {info['cases']:,} | failed: {info['error']} | | | |"
            )
            continue
        cast = info.get("cast") or {}
        lines.append(
            f"| {info['backend']} | {info['cases']:,} | {info.get('generate_seconds', '—')} s | "
            f"{cast.get('rep_open_cases', '—')} open cases in {cast.get('rep_chapters', '—')} "
            f"chapter(s) | {cast.get('case_events', '—')} events | "
            f"{cast.get('member_notices', '—')} notices |"
        )
    loads = [
        f"{i['backend']} {i['cases']:,}: {i['load_before'][0]:.1f}"
        for i in infos
        if i.get("load_before")
    ]
    if loads:
        lines += [
            "",
            "Load average (1 min) when each data set's measurements began: "
            + "; ".join(loads)
            + f" (on {os.cpu_count()} CPUs; anything well above 0 "
            "means something else was running and the numbers are pessimistic).",
        ]
    settings.out.write_text("\n".join(lines) + "\n")
    data = {
        "settings": {k: _shown(v) for k, v in asdict(settings).items()},
        "results": [asdict(m) for m in results],
        "data_sets": infos,
    }
    settings.out.with_suffix(".json").write_text(json.dumps(data, indent=1, default=str) + "\n")
    say(f"wrote {settings.out} and {settings.out.with_suffix('.json').name}")
