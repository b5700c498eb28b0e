"""What browser tests share: logging in through the UI, and the accessibility crawler.

The crawler visits, breadth first, every same-origin page reachable by ``<a href>`` from
its start pages (GET only), runs axe-core on each in Chromium and saves the HTML the
server sent, for one run of the Nu HTML Checker at the end. A page added later is
checked as soon as some page links to it.
"""

import json
import re
import subprocess
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from tests.factories import PASSWORD

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips (or fails, under CI) and says why
    expect = None  # type: ignore[assignment]

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Never followed: logging out ends the crawl's session; static files are not pages.
SKIP_PATH_PREFIXES = ("/static/",)
SKIP_PATH_SUFFIXES = ("/logout",)
# Downloads (exports, attachments, letters): not pages, and page.goto would fail on them.
DOWNLOAD_SUFFIXES = (
    ".csv", ".tsv", ".pdf", ".zip", ".json", ".txt", ".ics", ".eml", ".xlsx", ".xls", ".ods",
    ".odt", ".doc", ".docx", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".ico",
)  # fmt: skip
_ID_SEGMENT = re.compile(r"^(\d+|[0-9a-f]{8,}|[0-9a-f-]{32,36}|[A-Z]+-\d{4}-\d+)$", re.IGNORECASE)


# --- logging in and out through the UI -----------------------------------------------


def ui_login(page: Any, email: str, password: str = PASSWORD) -> None:
    """Log in on /login as a person would; waits until the app has moved on."""
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_response(
        lambda r: r.request.method == "POST" and urlsplit(r.url).path == "/login"
    ) as posted:
        page.get_by_role("button", name="Log in").click()
    if posted.value.status != 302:
        page.wait_for_load_state()
        shown = page.locator(".field-error, .flash-error").all_inner_texts()
        raise AssertionError(f"logging in as {email} failed ({posted.value.status}): {shown}")
    page.wait_for_url(lambda url: urlsplit(url).path != "/login")


def ui_logout(page: Any) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/login")


# --- axe-core ------------------------------------------------------------------------

_RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: tags},
    resultTypes: ['violations'],
  });
  return result.violations.map(v => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({
      target: n.target.map(t => Array.isArray(t) ? t.join(' >> ') : t).join(', '),
      html: n.html,
      summary: n.failureSummary,
    })),
  }));
}"""


_FIND_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const over = document.documentElement.scrollWidth - width;
  if (over <= 1) return null;
  const sticksOut = el => el.getBoundingClientRect().right > width + 1;
  const scrolls = el =>
    ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(el).overflowX);
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (!sticksOut(el) || [...el.children].some(sticksOut)) continue;
    let parent = el.parentElement, contained = false;
    for (; parent && parent !== document.body; parent = parent.parentElement) {
      if (scrolls(parent)) { contained = true; break; }
    }
    if (!contained) culprits.push(el.outerHTML.slice(0, 160));
    if (culprits.length >= 5) break;
  }
  return {width, over, culprits};
}"""


def install_axe(context: Any, axe_path: str) -> None:
    """Make axe-core available in every page of ``context``. An init script, not a
    <script> tag, so that a Content-Security-Policy cannot block it."""
    context.add_init_script(path=axe_path)


def run_axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page as it is now."""
    return page.evaluate(_RUN_AXE, AXE_TAGS)


def format_violation(role: str, url: str, violation: dict[str, Any]) -> str:
    lines = [
        f"[axe] {role} {url}: {violation['id']} ({violation['impact']}) "
        f"{violation['help']} <{violation['helpUrl']}>"
    ]
    for node in violation["nodes"][:10]:
        summary = " ".join((node["summary"] or "").split())
        lines.append(f"    target: {node['target']}\n      html: {node['html'][:200]}")
        if summary:
            lines.append(f"      why: {summary[:400]}")
    if len(violation["nodes"]) > 10:
        lines.append(f"    … and {len(violation['nodes']) - 10} more elements")
    return "\n".join(lines)


# --- the Nu HTML Checker -------------------------------------------------------------


@dataclass
class SavedPage:
    role: str
    url: str
    path: Path


def run_vnu(java: str, jar: str, pages: list[SavedPage]) -> list[str]:
    """Check every saved page with one run of the Nu HTML Checker; returns its errors,
    each naming the role, page URL, line and the offending markup."""
    if not pages:
        return []
    by_file = {page.path.resolve().as_uri(): page for page in pages}
    command = [java, "-jar", jar, "--format", "json", "--exit-zero-always"]
    command += [str(page.path) for page in pages]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    raw = done.stderr.strip() or done.stdout.strip()  # vnu writes its report to stderr
    try:
        messages = json.loads(raw)["messages"]
    except (ValueError, KeyError) as exc:
        return [f"[vnu] could not read the checker's output ({exc}): {raw[:2000]}"]
    problems = []
    for message in messages:
        if message.get("type") not in ("error", "non-document-error"):
            continue
        saved = by_file.get(_as_file_uri(message.get("url", "")))
        where = f"{saved.role} {saved.url}" if saved else message.get("url", "?")
        line = message.get("lastLine", "?")
        extract = " ".join((message.get("extract") or "").split())
        problems.append(
            f"[vnu] {where} line {line}: {message.get('message')}\n    markup: {extract[:200]}"
        )
    return problems


def _as_file_uri(url: str) -> str:
    # vnu reports "file:/tmp/x.html"; Path.as_uri() gives "file:///tmp/x.html".
    if url.startswith("file:/") and not url.startswith("file:///"):
        return "file:///" + url[len("file:/") :]
    return url


# --- the crawler ---------------------------------------------------------------------


@dataclass
class Crawler:
    """Breadth-first crawl of one person's view of the app, in one browser page.

    ``problems`` collects everything wrong, each line naming the role and page:
    axe violations, broken links (4xx/5xx), JavaScript errors. ``saved`` lists the HTML
    the server sent for each page, for :func:`run_vnu`.
    """

    page: Any
    role: str
    base_url: str
    html_dir: Path
    max_pages: int = 200
    # Pages that differ only in ids or query values (/cases/1, /cases/2, ?page=3) are
    # one template: checking a few of each keeps the crawl fast as data grows.
    max_per_pattern: int = 3
    # On a phone-sized page: fail when a page scrolls sideways (WCAG 1.4.10 Reflow,
    # which axe does not test). Wide tables belong in a scrolling container.
    check_reflow: bool = False
    problems: list[str] = field(default_factory=list)
    saved: list[SavedPage] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)
    _patterns: dict[str, int] = field(default_factory=dict)
    _js_errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.html_dir.mkdir(parents=True, exist_ok=True)
        origin = urlsplit(self.base_url)
        self._origin = (origin.scheme, origin.netloc)
        self.page.on("pageerror", lambda exc: self._js_errors.append(f"uncaught: {exc}"))
        self.page.on("console", self._on_console)
        self.page.on("response", self._on_response)

    def _on_console(self, message: Any) -> None:
        # Failed loads are reported by _on_response, with their URL.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self._js_errors.append(f"console.error: {message.text}")

    def _on_response(self, response: Any) -> None:
        # A stylesheet, script or image the page uses that is missing or broken. (The
        # page itself is checked in _check; /favicon.ico is the browser's own guess.)
        request = response.request
        if response.status < 400 or request.is_navigation_request():
            return
        if urlsplit(response.url).path == "/favicon.ico":
            return
        self._js_errors.append(f"{request.resource_type} {response.url} answered {response.status}")

    # -- public -------------------------------------------------------------------

    def crawl(self, start: Iterable[str]) -> None:
        queue: deque[tuple[str, str]] = deque()
        for url in start:
            absolute = self._normalize(urljoin(self._root(), url))
            if absolute and absolute not in self._seen:
                self._seen.add(absolute)
                queue.append((absolute, "(start)"))
        while queue and len(self.visited) < self.max_pages:
            url, referrer = queue.popleft()
            for link in self._check(url, referrer):
                if link in self._seen:
                    continue
                self._seen.add(link)
                if self._over_pattern_cap(link):
                    continue
                queue.append((link, url))
        if queue:
            self.problems.append(
                f"[crawl] {self.role}: stopped at max_pages={self.max_pages} with "
                f"{len(queue)} pages left unchecked (next: {queue[0][0]}); raise max_pages "
                "or lower max_per_pattern"
            )

    def check_form_errors(self, path: str) -> None:
        """Submit the page's form empty (as someone pressing the button too soon would)
        and check the page that answers: error messages must be accessible too."""
        url = urljoin(self._root(), path)
        self.page.goto(url)
        button = self.page.locator("main form [type=submit]").first

        def is_document(response: Any) -> bool:
            return (
                response.request.is_navigation_request()
                and response.frame == self.page.main_frame
                and not 300 <= response.status < 400
            )

        with self.page.expect_response(is_document) as answer:
            button.click()
        response = answer.value
        self.page.wait_for_load_state()
        label = f"{url} (form submitted empty)"
        if response.status >= 500:
            self.problems.append(f"[http] {self.role} {label}: answered {response.status}")
            return
        self._save(label, response.text())
        self._axe(label)
        self._flush_js_errors(label)

    def check_error_page(self, path: str) -> None:
        """Check the page a person gets for ``path`` when it is an error (404, 403…):
        error pages are pages too, and no link leads to them."""
        url = urljoin(self._root(), path)
        response = self.page.goto(url)
        status = response.status if response is not None else 0
        label = f"{url} (error page {status})"
        if not 400 <= status < 500:
            self.problems.append(f"[http] {self.role} {url}: expected a 4xx page, got {status}")
            return
        self._save(label, response.text())
        self._axe(label)
        if self.check_reflow:
            self._reflow(label)
        self._flush_js_errors(label)

    # -- one page -----------------------------------------------------------------

    def _check(self, url: str, referrer: str) -> list[str]:
        response = self.page.context.request.get(url, max_redirects=10, fail_on_status_code=False)
        final = self._normalize(response.url) or response.url
        if final != url:
            if final in self._seen and final in self.visited:
                return []
            self._seen.add(final)
        if response.status >= 400:
            self.problems.append(
                f"[http] {self.role} {url}: answered {response.status} (linked from {referrer})"
            )
            return []
        content_type = response.headers.get("content-type", "")
        disposition = response.headers.get("content-disposition", "")
        if "text/html" not in content_type or "attachment" in disposition:
            return []  # a download, not a page
        self.visited.append(final)
        self._save(final, response.text())

        navigation = self.page.goto(url)
        if navigation is not None and navigation.status >= 400:
            self.problems.append(
                f"[http] {self.role} {url}: answered {navigation.status} in the browser"
            )
        self._axe(final)
        if self.check_reflow:
            self._reflow(final)
        self._flush_js_errors(final)
        links = self.page.eval_on_selector_all(
            "a[href]", "els => els.filter(a => !a.hasAttribute('download')).map(a => a.href)"
        )
        return [link for link in (self._normalize(h) for h in links) if link]

    def _axe(self, label: str) -> None:
        for violation in run_axe(self.page):
            self.problems.append(format_violation(self.role, label, violation))

    def _reflow(self, label: str) -> None:
        found = self.page.evaluate(_FIND_OVERFLOW)
        if found:
            culprits = "".join(f"\n    element: {html}" for html in found["culprits"])
            self.problems.append(
                f"[reflow] {self.role} {label}: at {found['width']}px wide the page scrolls "
                f"sideways by {found['over']}px (WCAG 1.4.10); let it wrap, or put wide "
                f"tables in a .table-scroll container.{culprits}"
            )

    def _save(self, label: str, html: str) -> None:
        path = self.html_dir / f"{self.role}-{len(self.saved):03d}.html"
        path.write_text(html, encoding="utf-8")
        self.saved.append(SavedPage(self.role, label, path))

    def _flush_js_errors(self, label: str) -> None:
        for error in self._js_errors:
            self.problems.append(f"[js] {self.role} {label}: {error}")
        self._js_errors.clear()

    # -- URLs ---------------------------------------------------------------------

    def _root(self) -> str:
        scheme, netloc = self._origin
        return f"{scheme}://{netloc}/"

    def _normalize(self, href: str) -> str | None:
        """The URL to visit for ``href``, or None when it is not a page to crawl."""
        parts = urlsplit(href)
        if (parts.scheme, parts.netloc) != self._origin:
            return None
        path = parts.path or "/"
        if path.startswith(SKIP_PATH_PREFIXES) or path.rstrip("/").endswith(SKIP_PATH_SUFFIXES):
            return None
        if path.lower().endswith(DOWNLOAD_SUFFIXES):
            return None
        return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))

    def _over_pattern_cap(self, url: str) -> bool:
        parts = urlsplit(url)
        segments = ["{id}" if _ID_SEGMENT.match(s) else s for s in parts.path.split("/")]
        keys = sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair})
        pattern = "/".join(segments) + ("?" + "&".join(keys) if keys else "")
        self._patterns[pattern] = self._patterns.get(pattern, 0) + 1
        return self._patterns[pattern] > self.max_per_pattern
