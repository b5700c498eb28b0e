"""Real processes for the tests that need them: gunicorn serving ``wsgi:app``, ``union
scheduler``, a one-off ``union`` command, Redis on loopback, and a small HTTP client.

Everything listens on 127.0.0.1 only, on free ports; every wait is bounded; every process
is started in a session of its own and stopped (TERM, then KILL) by the fixture that
started it, never by name.
"""

import contextlib
import http.client
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "test-secret-shared-by-every-host-" + "x" * 16
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    """Poll ``check`` until it returns something true; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def process_env(database_url: str, upload_folder: Path, **settings: Any) -> dict[str, str]:
    """The environment of a production process of the app (nothing of the test runner's)."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env.update(
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
        STEWARD_ENV="production",
        SECRET_KEY=SECRET_KEY,
        DATABASE_URL=database_url,
        UPLOAD_FOLDER=str(upload_folder),
        SCHEDULER_IN_PROCESS="0",
        MAIL_BACKEND="console",
    )
    env.update({key: str(value) for key, value in settings.items()})
    return env


# -- processes -------------------------------------------------------------------------


class Process:
    """A child process in its own session, its output in a log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.args, self.env, self.log = name, args, env, log
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> "Process":
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
                self.args,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self, timeout: float = 10) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(5)


def children_of(pid: int) -> list[int]:
    """Live child processes of ``pid`` (from /proc: no extra package needed)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return sorted(found)


class Gunicorn(Process):
    """gunicorn serving ``wsgi:app`` on 127.0.0.1; its access log names the worker of
    each request, so a test can tell that several workers answered."""

    def __init__(self, env: dict[str, str], workers: int, log_dir: Path, label: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.access_log = log_dir / f"{label}-access.log"
        env = {"BASE_URL": self.url, **env}
        args = [
            sys.executable, "-m", "gunicorn",
            "--workers", str(workers),
            "--bind", f"127.0.0.1:{self.port}",
            "--timeout", "30",
            "--graceful-timeout", "3",
            "--access-logfile", str(self.access_log),
            "--access-logformat", "%(p)s %(m)s %(U)s %(s)s",
            "wsgi:app",
        ]  # fmt: skip
        super().__init__(f"gunicorn {label}", args, env, log_dir / f"{label}.log")

    def start(self, timeout: float = 30) -> "Gunicorn":
        super().start()

        def ready() -> bool:
            if not self.alive():
                pytest.fail(f"{self.name} exited at start:\n{self.output()[-3000:]}")
            if len(children_of(self.pid)) < self.workers:
                return False
            try:
                return Browser(self.url).get("/login", timeout=2).status == 200
            except OSError:
                return False

        wait_until(ready, timeout, f"{self.name} to answer on {self.url}", interval=0.2)
        return self

    def worker_pids(self) -> list[int]:
        return children_of(self.pid)

    def workers_that_answered(self, path: str) -> set[str]:
        """The worker pids the access log shows answering requests for ``path``."""
        lines = self.access_log.read_text().splitlines() if self.access_log.exists() else []
        return {
            line.split()[0] for line in lines if len(line.split()) > 2 and line.split()[2] == path
        }


class Processes:
    """The processes a test started; all stopped at its end."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[Process] = []

    def gunicorn(self, env: dict[str, str], workers: int = 2, label: str = "web") -> Gunicorn:
        server = Gunicorn(env, workers, self.log_dir, f"{label}-{len(self.started)}")
        self.started.append(server)
        return server.start()

    def union(self, env: dict[str, str], *command: str, label: str = "union") -> Process:
        """A long-running ``union`` command (``scheduler``), started in the background."""
        args = [sys.executable, "-c", "from union.cli import main; main()", *command]
        process = Process(label, args, env, self.log_dir / f"{label}-{len(self.started)}.log")
        self.started.append(process)
        return process.start()

    def stop_all(self) -> None:
        for process in reversed(self.started):
            process.stop()


def run_union(
    env: dict[str, str], *command: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run one ``union`` command to its end (bounded), as an operator would."""
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", "from union.cli import main; main()", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# -- Redis -----------------------------------------------------------------------------


def redis_or_skip() -> Iterator[tuple[str, str]]:
    """Redis on loopback and a key prefix of this test's own (cleaned up afterwards).

    Skipped, saying why, when no Redis answers; ``STEWARD_REQUIRE_REDIS=1`` (CI) fails."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        reason = f"Redis not reachable at {REDIS_URL}: {exc}"
        if os.environ.get("STEWARD_REQUIRE_REDIS") == "1":
            pytest.fail(f"STEWARD_REQUIRE_REDIS=1 but {reason}")
        pytest.skip(f"{reason} (set STEWARD_REQUIRE_REDIS=1 to make this an error)")
    prefix = f"steward-test-{uuid.uuid4().hex[:12]}"
    try:
        yield REDIS_URL, prefix
    finally:
        for key in client.scan_iter(match=f"*{prefix}*", count=500):
            client.delete(key)
        client.close()


# -- an HTTP client ----------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: Any
    text: str

    @property
    def location(self) -> str:
        return str(self.headers.get("Location") or "")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """Cookies, CSRF tokens from forms, no redirects followed: enough of a browser."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirects()
        )

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def set_cookie(self, name: str, value: str) -> None:
        host = urllib.parse.urlsplit(self.base_url).hostname or "127.0.0.1"
        self.jar.set_cookie(
            http.cookiejar.Cookie(
                0, name, value, None, False, host, False, False, "/", True, False,
                None, False, None, None, {},
            )
        )  # fmt: skip

    def request(
        self,
        method: str,
        path: str,
        data: dict[str, Any] | None = None,
        files: dict[str, tuple[str, bytes]] | None = None,
        timeout: float = 30,
    ) -> Reply:
        body, headers = None, {}
        if files:
            body, content_type = multipart(data or {}, files)
            headers["Content-Type"] = content_type
        elif data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(  # noqa: S310 - http on loopback, by design
            self.base_url + path, data=body, headers=headers, method=method
        )
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return Reply(response.status, response.headers, response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.headers, error.read().decode(errors="replace"))

    def get(self, path: str, timeout: float = 30) -> Reply:
        return self.request("GET", path, timeout=timeout)

    def post(self, path: str, data: dict[str, Any], **kwargs: Any) -> Reply:
        return self.request("POST", path, data, **kwargs)

    def csrf_token(self, path: str) -> str:
        page = self.get(path).text
        found = _CSRF.search(page)
        assert found, f"no CSRF token in the form at {path}"
        return found.group(1)

    def submit(
        self, form_path: str, data: dict[str, Any], action: str | None = None, **kw: Any
    ) -> Reply:
        """Open the form at ``form_path`` and post ``data`` with its CSRF token."""
        token = self.csrf_token(form_path)
        return self.post(action or form_path, {**data, "csrf_token": token}, **kw)

    def log_in(self, email: str, password: str) -> Reply:
        reply = self.submit("/login", {"email": email, "password": password})
        assert reply.status == 302, f"login as {email} failed: {reply.status}"
        return reply


def multipart(fields: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                + str(item).encode()
                + b"\r\n"
            )
    for name, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def slow_post(
    url: str, path: str, body: bytes, content_type: str, cookie: str
) -> http.client.HTTPConnection:
    """Send a request's headers and only half its body; the caller finishes (or abandons)
    it. Returns the open connection."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.putrequest("POST", path)
    connection.putheader("Content-Type", content_type)
    connection.putheader("Content-Length", str(len(body)))
    connection.putheader("Cookie", cookie)
    connection.endheaders()
    connection.send(body[: len(body) // 2])
    return connection
