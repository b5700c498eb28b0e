"""Steward's load benchmark: ``make bench`` (or ``.venv/bin/python bench/run_bench.py``).

For each database backend and each size (number of cases) it:

1. makes a throwaway database (a SQLite file in a temporary folder; a PostgreSQL database
   created and dropped on the server, like the tests do), migrates it and fills it with
   ``union demo-data --scale N``;
2. serves the app with gunicorn (2 workers, production settings) on a free port of
   127.0.0.1, mail going to an SMTP server on loopback that this script runs;
3. logs in as the busiest rep, a member with the most notices and the admin, and runs
   ``wrk`` against each endpoint for a fixed time and number of connections, after a
   warm-up: the bare endpoint first (the app's own ceiling, no database), then the
   pages; queries per request come from the ``X-Query-Count`` header
   (``STEWARD_COUNT_QUERIES=1``), peak memory from the workers' /proc status;
4. times a digest run for every rep (``bench/digest_run.py``), and streams the CSV
   export of every case as the admin, watching the workers' memory;

and writes the table to ``bench/results/latest.md`` (and ``latest.json``).

Settings come from the command line or the environment: BENCH_SCALES (1000,10000,100000),
BENCH_BACKENDS (sqlite,postgresql), BENCH_DURATION (seconds per endpoint, 10),
BENCH_WARMUP (3), BENCH_CONNECTIONS (4), BENCH_WORKERS (2), BENCH_PG_URL (the server to
make PostgreSQL databases on; TEST_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/postgres).
"""

import argparse
import http.client
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from harness import (
    BIN,
    ROOT,
    Browser,
    Databases,
    MailSink,
    Server,
    postgres_cpu_seconds,
    psycopg_url,
    say,
    union_command,
)
from report import RESULTS, Measurement, describe, write_report

LUA = ROOT / "bench" / "request.lua"
OPEN_STATUSES = ("new", "triaged", "in_progress", "waiting")
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


# -- settings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    scales: list[int]
    backends: list[str]
    duration: int
    warmup: int
    connections: int
    threads: int
    workers: int
    pg_url: str
    out: Path
    profile: str | None


def settings_from(argv: list[str] | None = None) -> Settings:
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default=env("BENCH_SCALES", "1000,10000,100000"))
    parser.add_argument("--backends", default=env("BENCH_BACKENDS", "sqlite,postgresql"))
    parser.add_argument("--duration", type=int, default=int(env("BENCH_DURATION", "10")))
    parser.add_argument("--warmup", type=int, default=int(env("BENCH_WARMUP", "3")))
    parser.add_argument("--connections", type=int, default=int(env("BENCH_CONNECTIONS", "4")))
    parser.add_argument("--threads", type=int, default=int(env("BENCH_THREADS", "2")))
    parser.add_argument("--workers", type=int, default=int(env("BENCH_WORKERS", "2")))
    parser.add_argument(
        "--pg-url", default=env("BENCH_PG_URL") or env("TEST_DATABASE_URL") or DEFAULT_PG
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.md")
    parser.add_argument(
        "--profile",
        metavar="ENDPOINT",
        default=env("BENCH_PROFILE"),
        help="record a py-spy profile of one worker while ENDPOINT (e.g. queue) is loaded",
    )
    args = parser.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    return Settings(
        scales=[int(s.replace("_", "")) for s in args.scales.split(",") if s.strip()],
        backends=backends,
        duration=args.duration,
        warmup=args.warmup,
        connections=args.connections,
        threads=args.threads,
        workers=args.workers,
        pg_url=args.pg_url,
        out=args.out,
        profile=args.profile,
    )


# -- who the benchmark logs in as ----------------------------------------------------------


@dataclass(frozen=True)
class Cast:
    rep_email: str
    rep_open_cases: int
    rep_chapters: int
    rep_chapter_ids: tuple[int, ...]
    case_id: int
    case_events: int
    member_email: str
    member_notices: int
    submitter_email: str
    submitter_agency_id: int
    receiving_agency_id: int
    total_cases: int


def pick_cast(url: str) -> Cast:
    """The hard cases: the rep with the most open cases in their chapters, the longest
    timeline among them, the member with the most notices."""
    from sqlalchemy import bindparam, create_engine, text

    engine = create_engine(psycopg_url(url))
    ours = "%@national.example.org"
    with engine.connect() as conn:
        rep = conn.execute(
            text(
                "SELECT u.id, u.email, count(c.id) AS n FROM users u "
                "JOIN rep_coverage rc ON rc.user_id = u.id "
                "JOIN cases c ON c.chapter_id = rc.chapter_id AND c.status IN :statuses "
                "WHERE u.role = 'rep' AND u.email LIKE :ours "
                "GROUP BY u.id, u.email ORDER BY n DESC, u.id LIMIT 1"
            ).bindparams(bindparam("statuses", expanding=True)),
            {"statuses": list(OPEN_STATUSES), "ours": ours},
        ).one()
        chapters = list(
            conn.scalars(
                text("SELECT chapter_id FROM rep_coverage WHERE user_id = :id"), {"id": rep.id}
            )
        )
        case = conn.execute(
            text(
                "SELECT c.id, count(e.id) AS n FROM cases c "
                "JOIN case_events e ON e.case_id = c.id WHERE c.chapter_id IN :chapters "
                "GROUP BY c.id ORDER BY n DESC, c.id LIMIT 1"
            ).bindparams(bindparam("chapters", expanding=True)),
            {"chapters": chapters},
        ).one()
        member = conn.execute(
            text(
                "SELECT u.email, count(n.id) AS n FROM users u "
                "JOIN notices n ON n.member_id = u.id "
                "WHERE u.role = 'member' AND u.email LIKE :ours "
                "GROUP BY u.id, u.email ORDER BY n DESC, u.id LIMIT 1"
            ),
            {"ours": ours},
        ).one()
        submitter = conn.execute(
            text(
                "SELECT u.email, ch.agency_id FROM users u "
                "JOIN chapters ch ON ch.id = u.chapter_id "
                "WHERE u.role = 'member' AND u.email <> :busy AND u.email LIKE :ours "
                "ORDER BY u.id LIMIT 1"
            ),
            {"busy": member.email, "ours": ours},
        ).one()
        receiving = conn.execute(text("SELECT id FROM agencies WHERE code = 'ICE-ERO'")).scalar()
        total = conn.execute(text("SELECT count(*) FROM cases")).scalar()
    engine.dispose()
    return Cast(
        rep_email=rep.email,
        rep_open_cases=rep.n,
        rep_chapters=len(chapters),
        rep_chapter_ids=tuple(chapters),
        case_id=case.id,
        case_events=case.n,
        member_email=member.email,
        member_notices=member.n,
        submitter_email=submitter.email,
        submitter_agency_id=submitter.agency_id,
        receiving_agency_id=int(receiving or 0),
        total_cases=int(total or 0),
    )


# -- endpoints -----------------------------------------------------------------------------


@dataclass
class Endpoint:
    key: str
    label: str
    path: str
    who: str | None  # "rep", "member", "submitter", "admin" or None (no login)
    method: str = "GET"
    expect: int = 200
    targeted: bool = False  # the p95 and throughput targets apply


def endpoints(cast: Cast) -> list[Endpoint]:
    return [
        Endpoint("bare", "Bare endpoint (no database)", "/healthz/bare", None),
        Endpoint("queue", "Case queue, default view", "/cases/", "rep", targeted=True),
        Endpoint(
            "queue_filtered",
            "Case queue, filtered (due soon, training, by due date)",
            "/cases/?due=attention&concern=training&sort=due",
            "rep",
        ),
        Endpoint(
            "case",
            f"Case page ({cast.case_events} events)",
            f"/cases/{cast.case_id}",
            "rep",
            targeted=True,
        ),
        Endpoint(
            "my_notices",
            f"My notices ({cast.member_notices} notices)",
            "/notices/",
            "member",
            targeted=True,
        ),
        Endpoint("dashboard", "Dashboard", "/reports/", "rep"),
        Endpoint("submit", "Submitting a notice", "/notices/new", "submitter", "POST", expect=302),
    ]


# The table lists endpoints in this order (then the export and the digests).
ENDPOINT_ORDER = [
    "bare", "floor", "queue", "queue_filtered", "case", "my_notices", "dashboard", "submit",
]  # fmt: skip


def notice_form(cast: Cast, token: str) -> str:
    told = (date.today() - timedelta(days=2)).isoformat()
    return urllib.parse.urlencode(
        {
            "csrf_token": token,
            "kind": "task_force",
            "willingness": "directed",
            "how_told": "email",
            "home_agency_id": cast.submitter_agency_id,
            "home_office": "Field Office",
            "receiving_agency": cast.receiving_agency_id,
            "receiving_unit": "ERO Fugitive Operations",
            "duties": ["arrests", "transport"],
            "notified_on": told,
            "training_status": "none",
            "training_gaps": ["use_of_force", "arrest_procedure"],
            "pay_items": "none_offered",
            "statement": "My name was put forward for the task force; nobody asked me.",
            "consent_contact": "y",
            "submit": "Submit notice",
        },
        doseq=True,
    )


def run_wrk(
    settings: Settings, url: str, env: dict[str, str], seconds: int, connections: int
) -> dict[str, Any]:
    command = [
        "wrk",
        f"-t{min(settings.threads, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
        url,
    ]
    done = subprocess.run(  # noqa: S603
        command, env={**os.environ, **env}, capture_output=True, text=True, check=True
    )
    line = [ln for ln in done.stdout.splitlines() if ln.startswith("{")][-1]
    return dict(json.loads(line))


def measure(
    settings: Settings,
    server: Server,
    endpoint: Endpoint,
    browser: Browser | None,
    body: str | None,
    backend: str,
    scale: int,
    database_url: str,
) -> Measurement:
    result = Measurement(backend, scale, endpoint.key, endpoint.label, targeted=endpoint.targeted)
    # One request first, as the browser: it must answer as expected, and it says how many
    # queries it took (and brings the session cookie up to date).
    opener = browser or Browser(server.base)
    status, headers, _ = opener.request(endpoint.path, body)
    if status == 404 and endpoint.key in {"dashboard"}:
        result.status, result.note = "n/a", "not built yet"
        return result
    if status != endpoint.expect:
        result.status, result.note = "error", f"HTTP {status}, expected {endpoint.expect}"
        return result
    if headers.get("X-Query-Count") is not None:
        result.queries = int(headers["X-Query-Count"])
    env = {"BENCH_METHOD": endpoint.method}
    if browser is not None:
        env["BENCH_COOKIE"] = browser.cookie
    if body is not None:
        env["BENCH_BODY"] = body
    url = server.base + endpoint.path
    if settings.warmup:
        run_wrk(settings, url, env, settings.warmup, settings.connections)
    server.watch_memory()
    profiler = start_profile(settings, server, endpoint, backend, scale)
    cpu, db_cpu = server.cpu_seconds(), postgres_cpu_seconds(database_url)
    stats = run_wrk(settings, url, env, settings.duration, settings.connections)
    cpu, db_cpu = server.cpu_seconds() - cpu, postgres_cpu_seconds(database_url) - db_cpu
    result.peak_rss_mb = server.peak_memory_mb()
    if profiler is not None:
        profiler.wait()
    if not stats["requests"]:
        result.status = "error"
        result.note = f"no response within the {settings.duration} s run: each took longer"
        return result
    seconds = stats["duration_us"] / 1e6
    latency = stats["latency_us"]
    result.requests = stats["requests"]
    result.errors = sum(stats["errors"].values())
    result.rps = round(stats["requests"] / seconds, 1) if seconds else None
    result.p50_ms = round(latency["p50"] / 1000, 1)
    result.p95_ms = round(latency["p95"] / 1000, 1)
    result.p99_ms = round(latency["p99"] / 1000, 1)
    if stats["requests"]:
        result.cpu_ms = round(cpu * 1000 / stats["requests"], 2)
        if database_url.startswith("postgresql"):
            result.db_cpu_ms = round(db_cpu * 1000 / stats["requests"], 2)
    if result.errors:
        result.note = f"{result.errors} errors: {stats['errors']}"
    return result


def start_profile(
    settings: Settings, server: Server, endpoint: Endpoint, backend: str, scale: int
) -> subprocess.Popen[bytes] | None:
    if settings.profile != endpoint.key:
        return None
    py_spy = shutil.which("py-spy") or str(BIN / "py-spy")
    out = RESULTS / f"profile-{endpoint.key}-{backend}-{scale}.speedscope.json"
    say(f"  profiling one worker with py-spy into {out.relative_to(ROOT)}")
    return subprocess.Popen(  # noqa: S603
        [
            py_spy,
            "record",
            "--pid",
            str(server.workers()[0]),
            "--duration",
            str(settings.duration),
            "--rate",
            "200",
            "--format",
            "speedscope",
            "--output",
            str(out),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# -- digests and the export ------------------------------------------------------------


def measure_digests(env: dict[str, str], mail: MailSink, backend: str, scale: int) -> Measurement:
    result = Measurement(backend, scale, "digests", "Digest run for every rep (SMTP on loopback)")
    before = mail.received
    done = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / "digest_run.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode != 0 or not lines:
        result.status, result.note = "error", (done.stderr or done.stdout)[-300:]
        return result
    data = json.loads(lines[-1])
    if not data.get("available", True):
        result.status, result.note = "n/a", "not built yet"
        return result
    result.extra = data | {"received": mail.received - before}
    result.queries = data["queries"]
    result.peak_rss_mb = data["peak_rss_mb"]
    result.note = (
        f"{data['due']} reps due, {data['sent']} sent, {mail.received - before} received; "
        f"{data['seconds']:.1f} s ({data['building_seconds']:.1f} building, "
        f"{data['sending_seconds']:.1f} sending; {data.get('cpu_seconds', 0):.1f} s of CPU in "
        f"the job's process); {data['queries']} queries, "
        f"{data['queries_per_rep']:.1f} per rep"
    )
    return result


def measure_export(server: Server, admin: Browser, backend: str, scale: int) -> Measurement:
    """One download of the CSV of every case, as the admin: its time, size and rows, and
    the workers' memory before and at its peak (flat memory: the rows are streamed)."""
    result = Measurement(backend, scale, "export", "CSV export of every case (admin, streamed)")
    path = "/reports/export/cases.csv"
    before = server.resident_mb()
    server.watch_memory()
    cpu = server.cpu_seconds()
    started = time.perf_counter()
    req = urllib.request.Request(server.base + path, headers={"Cookie": admin.cookie})  # noqa: S310
    rows = size = 0
    first_byte = None
    failure = None
    try:
        with urllib.request.urlopen(req, timeout=600) as response:  # noqa: S310
            while chunk := response.read(65536):
                if first_byte is None:
                    first_byte = time.perf_counter() - started
                size += len(chunk)
                rows += chunk.count(b"\n")
    except urllib.error.HTTPError as error:
        server.peak_memory_mb()
        if error.code == 404:
            result.status, result.note = "n/a", "not built yet"
        else:
            result.status, result.note = "error", f"HTTP {error.code}"
        return result
    except (OSError, http.client.HTTPException) as error:
        failure = f"cut off ({type(error).__name__})"
        if "WORKER TIMEOUT" in server.log.read_text(errors="replace"):
            failure += ": gunicorn killed the worker at its timeout (--timeout, 30 s by default)"
    seconds = time.perf_counter() - started
    result.peak_rss_mb = server.peak_memory_mb()
    result.cpu_ms = round((server.cpu_seconds() - cpu) * 1000, 1)
    result.extra = {
        "rows": max(rows - 1, 0),
        "bytes": size,
        "seconds": round(seconds, 2),
        "first_byte_s": round(first_byte or 0, 3),
        "rss_before_mb": before,
        "complete": failure is None,
    }
    result.note = (
        f"{max(rows - 1, 0):,} rows, {size / 1e6:.1f} MB in {seconds:.1f} s (first byte after "
        f"{(first_byte or 0) * 1000:.0f} ms, {result.cpu_ms / 1000:.1f} s of worker CPU); "
        f"worker RSS {before} MB before, {result.peak_rss_mb} MB at the peak"
    )
    if failure:
        result.status = "error"
        result.note = f"{failure}; {result.note}"
    return result


# -- one data set --------------------------------------------------------------------------


def bench_data_set(
    settings: Settings, dbs: Databases, mail: MailSink, backend: str, scale: int, logs: Path
) -> tuple[list[Measurement], dict[str, Any]]:
    log = logs / f"{backend}-{scale}.log"
    say(f"{backend}, {scale:,} cases: making the database")
    url = dbs.create(backend, scale)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("BENCH_", "STEWARD_"))},
        "DATABASE_URL": url,
        "STEWARD_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "SCHEDULER_IN_PROCESS": "false",
        "RATELIMIT_ENABLED": "false",
        "STEWARD_COUNT_QUERIES": "1",
        "SMTP_URL": f"smtp://127.0.0.1:{mail.port}",
        "MAIL_DEFAULT_SENDER": "Steward <steward@bench.example.org>",
        "UPLOAD_FOLDER": str(dbs.tmp / "uploads"),
    }
    info: dict[str, Any] = {"backend": backend, "cases": scale}
    measurements: list[Measurement] = []
    server: Server | None = None
    try:
        union_command(["db", "upgrade"], env, log)
        started = time.perf_counter()
        output = union_command(["demo-data", "--scale", str(scale)], env, log)
        info["generate_seconds"] = round(time.perf_counter() - started, 1)
        info["generate_output"] = output
        say(f"  generated in {info['generate_seconds']} s")
        cast = pick_cast(url)
        info["cast"] = asdict(cast)
        server = Server(settings.workers, env, log)
        server.start()
        browsers = {
            "rep": Browser(server.base),
            "member": Browser(server.base),
            "submitter": Browser(server.base),
            "admin": Browser(server.base),
        }
        browsers["rep"].log_in(cast.rep_email)
        browsers["member"].log_in(cast.member_email)
        browsers["submitter"].log_in(cast.submitter_email)
        browsers["admin"].log_in("admin@national.example.org")
        info["load_before"] = os.getloadavg()
        for endpoint in endpoints(cast):
            browser = browsers.get(endpoint.who) if endpoint.who else None

            def run(endpoint: Endpoint = endpoint, browser: Browser | None = browser) -> Any:
                body = None
                if endpoint.method == "POST":
                    assert browser is not None
                    body = notice_form(cast, browser.csrf_token("/notices/new"))
                elif browser is not None:
                    browser.request("/")  # a fresh cookie: the session's last-seen minute
                return measure(settings, server, endpoint, browser, body, backend, scale, url)

            m = guarded(run, backend, scale, endpoint.key, endpoint.label)
            measurements.append(m)
            say(f"  {m.label}: {describe(m)}")
        bare = next((m for m in measurements if m.endpoint == "bare" and m.rps), None)
        for m in measurements:
            if bare and m.rps and m.endpoint != "bare":
                m.bare_ratio = round(bare.rps / m.rps, 2)  # type: ignore[operator]
            if bare and bare.cpu_ms and m.cpu_ms and m.endpoint != "bare":
                m.bare_cpu_ratio = round(m.total_cpu_ms / bare.total_cpu_ms, 2)
        export = guarded(
            lambda: measure_export(server, browsers["admin"], backend, scale),
            backend, scale, "export", "CSV export of every case (admin, streamed)",
        )  # fmt: skip
        measurements.append(export)
        say(f"  {export.label}: {export.note}")
        server.stop()
        server = None
        floor = guarded(
            lambda: measure_floor(settings, env, cast, log, backend, scale, url),
            backend, scale, "floor", FLOOR_LABEL,
        )  # fmt: skip
        measurements.append(floor)
        if bare and floor.rps and bare.rps:
            floor.bare_ratio = round(bare.rps / floor.rps, 2)
        if bare and bare.cpu_ms and floor.cpu_ms:
            floor.bare_cpu_ratio = round(floor.total_cpu_ms / bare.total_cpu_ms, 2)
        say(f"  {floor.label}: {describe(floor)}")
        digests = guarded(
            lambda: measure_digests(env, mail, backend, scale),
            backend, scale, "digests", "Digest run for every rep (SMTP on loopback)",
        )  # fmt: skip
        measurements.append(digests)
        say(f"  {digests.label}: {digests.note}")
        info["load_after"] = os.getloadavg()
    finally:
        if server is not None:
            server.stop()
        dbs.drop(url)
    return measurements, info


FLOOR_LABEL = "Queue floor: its 50 rows from one SQL query, plain Jinja (bench/floor_app.py)"


def measure_floor(
    settings: Settings,
    env: dict[str, str],
    cast: Cast,
    log: Path,
    backend: str,
    scale: int,
    database_url: str,
) -> Measurement:
    """The queue's floor (``bench/floor_app.py``), served and loaded like the app."""
    chapters = ",".join(str(c) for c in cast.rep_chapter_ids)
    floor_env = {**env, "BENCH_FLOOR_CHAPTERS": chapters}
    server = Server(
        settings.workers, floor_env, log, app=("--pythonpath", "bench", "floor_app:app")
    )
    server.start()
    try:
        endpoint = Endpoint("floor", FLOOR_LABEL, "/", None)
        return measure(settings, server, endpoint, None, None, backend, scale, database_url)
    finally:
        server.stop()


def guarded(run: Any, backend: str, scale: int, key: str, label: str) -> Measurement:
    """``run()``'s measurement; if it fails, a measurement that says why, and the run
    goes on with the next endpoint."""
    try:
        return run()  # type: ignore[no-any-return]
    except Exception as error:  # noqa: BLE001 - reported in the table instead
        note = f"{type(error).__name__}: {error}"[:300]
        return Measurement(backend, scale, key, label, status="error", note=note)


def postgres_answers(url: str) -> bool:
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(psycopg_url(url), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception:  # noqa: BLE001 - any failure means: not usable here
        return False
    return True


def _stop(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    # Stopped by Ctrl+C or kill (even when started in the background, where SIGINT comes
    # ignored), it still stops gunicorn and drops its databases on the way out.
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    settings = settings_from(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: `apt-get install wrk` (make bench does it as root).")
        return 2
    if "postgresql" in settings.backends and not postgres_answers(settings.pg_url):
        print(f"PostgreSQL does not answer at {settings.pg_url}: start it, set BENCH_PG_URL, "
              "or run with BENCH_BACKENDS=sqlite.")  # fmt: skip
        return 2
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="steward-bench-"))
    logs = RESULTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    dbs = Databases(settings.pg_url, tmp)
    mail = MailSink()
    mail.start()
    results: list[Measurement] = []
    infos: list[dict[str, Any]] = []
    try:
        for backend in settings.backends:
            for scale in settings.scales:
                try:
                    measurements, info = bench_data_set(settings, dbs, mail, backend, scale, logs)
                except Exception as error:  # noqa: BLE001 - the next data set may still run
                    why = f"{type(error).__name__}: {error}"
                    say(f"{backend}, {scale:,} cases failed: {why}")
                    measurements, info = [], {"backend": backend, "cases": scale, "error": why}
                results += measurements
                infos.append(info)
                write_report(settings, results, infos, started, ENDPOINT_ORDER)
    finally:
        mail.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(settings.out.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
