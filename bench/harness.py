"""The benchmark's machinery: throwaway databases, an SMTP server on loopback, gunicorn
and the memory of its workers, and a browser that logs in (cookies, CSRF tokens) by hand.
"""

import contextlib
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "solidarity-forever-2026"  # noqa: S105 - the generated data's published password


# -- small helpers -----------------------------------------------------------------------


def say(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def union_command(args: list[str], env: dict[str, str], log: Path) -> str:
    """Run ``union ARGS``; its output is kept in ``log`` and returned."""
    done = subprocess.run(  # noqa: S603 - our own command line
        [str(BIN / "union"), *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    with log.open("a") as out:
        out.write(f"$ union {' '.join(args)}\n{done.stdout}{done.stderr}\n")
    if done.returncode != 0:
        raise RuntimeError(f"union {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def psycopg_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# -- throwaway databases -----------------------------------------------------------------


class Databases:
    """Makes a fresh database per data set and removes it afterwards."""

    def __init__(self, pg_url: str, tmp: Path) -> None:
        self.pg_url = pg_url
        self.tmp = tmp

    def create(self, backend: str, scale: int) -> str:
        if backend == "sqlite":
            return f"sqlite:///{self.tmp / f'bench-{scale}.sqlite3'}"
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        name = f"steward_bench_{scale}_{os.getpid()}"
        admin = create_engine(psycopg_url(self.pg_url), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = make_url(psycopg_url(self.pg_url)).set(database=name)
        return url.render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            path = Path(url.removeprefix("sqlite:///"))
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        name = make_url(url).database
        admin = create_engine(psycopg_url(self.pg_url), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# -- an SMTP server on loopback ----------------------------------------------------------


class MailSink:
    """aiosmtpd on 127.0.0.1, counting what it receives (receipts, digests)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received = 0
        self._lock = threading.Lock()
        self.controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self._lock:
            self.received += 1
        return "250 OK"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()


# -- the server and its workers ----------------------------------------------------------


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class Server:
    """gunicorn serving the app on a free port of 127.0.0.1."""

    def __init__(
        self, workers: int, env: dict[str, str], log: Path, app: tuple[str, ...] = ("wsgi:app",)
    ) -> None:
        self.app = app
        self.ready_path = "/healthz/bare" if app == ("wsgi:app",) else "/"
        self.worker_count = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "BASE_URL": self.base}
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self._sampling = False
        self._peak_kb = 0

    def start(self) -> None:
        command = [
            str(BIN / "gunicorn"),
            "--workers",
            str(self.worker_count),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--error-logfile",
            str(self.log),
            *self.app,
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env)  # noqa: S603
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.base}{self.ready_path}", timeout=2):  # noqa: S310
                    if len(self.workers()) >= self.worker_count:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer in 60 s; see {self.log}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def workers(self) -> list[int]:
        import psutil

        assert self.process is not None
        try:
            return [child.pid for child in psutil.Process(self.process.pid).children()]
        except psutil.NoSuchProcess:
            return []

    # Peak resident memory of the workers while something runs: the kernel's high-water
    # mark (reset through clear_refs), and a sampler as a backstop where that is refused.
    def watch_memory(self) -> None:
        for pid in self.workers():
            with contextlib.suppress(OSError):
                Path(f"/proc/{pid}/clear_refs").write_text("5")
        self._peak_kb = 0
        self._sampling = True
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while self._sampling:
            for pid in self.workers():
                self._peak_kb = max(self._peak_kb, _status_kb(pid, "VmRSS"))
            time.sleep(0.1)

    def peak_memory_mb(self) -> float:
        self._sampling = False
        time.sleep(0.15)
        peak = max([self._peak_kb, *(_status_kb(pid, "VmHWM") for pid in self.workers())])
        return round(peak / 1024, 1)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the workers have used so far: what a request costs
        the app whatever else the machine is doing."""
        total = 0
        for pid in self.workers():
            with contextlib.suppress(OSError, IndexError, ValueError):
                after_name = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(after_name[11]) + int(after_name[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def resident_mb(self) -> float:
        return round(max([0, *(_status_kb(pid, "VmRSS") for pid in self.workers())]) / 1024, 1)


def postgres_cpu_seconds(url: str) -> float:
    """CPU time the PostgreSQL server processes of ``url``'s database have used so far
    (0 for SQLite, whose work is inside the workers' own)."""
    if not url.startswith("postgresql"):
        return 0.0
    import psutil
    from sqlalchemy.engine import make_url

    name = f" {make_url(url).database} "
    total = 0.0
    for process in psutil.process_iter(["name", "cmdline"]):
        title = " ".join(process.info["cmdline"] or []) + " "
        if (process.info["name"] or "").startswith("postgres") and name in title:
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system
    return total


# -- a logged-in browser, by hand ----------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
VALUE = re.compile(r'value="([^"]*)"')


class Browser:
    """Cookies and CSRF tokens like a browser keeps them, for one user."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(self, path: str, data: dict[str, Any] | str | None = None) -> tuple[int, Any, str]:
        body = None
        if data is not None:
            text = data if isinstance(data, str) else urllib.parse.urlencode(data, doseq=True)
            body = text.encode()
        req = urllib.request.Request(self.base + path, data=body)  # noqa: S310
        try:
            with self.opener.open(req, timeout=120) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode(errors="replace")

    def csrf_token(self, path: str) -> str:
        status, _, page = self.request(path)
        tag = CSRF.search(page)
        if status != 200 or tag is None:
            raise RuntimeError(f"no CSRF token on {path} (HTTP {status})")
        value = VALUE.search(tag.group(0))
        assert value is not None
        return value.group(1)

    def log_in(self, email: str) -> None:
        token = self.csrf_token("/login")
        status, headers, _ = self.request(
            "/login", {"email": email, "password": PASSWORD, "csrf_token": token}
        )
        if status != 302:
            raise RuntimeError(f"could not log in as {email} (HTTP {status})")
        self.request("/")  # reads the welcome message, so it is not on every page after

    @property
    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)
