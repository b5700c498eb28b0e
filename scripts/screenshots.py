"""Take the README's screenshots: demo data in a throwaway SQLite database, served on a
free loopback port, photographed in Debian's Chromium through Playwright.

    make screenshots          # writes docs/screenshots/*.png

Pages that do not exist (a feature not built yet) are skipped with a note.
"""

import os
import sys
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("STEWARD_CHROMIUM", "/usr/bin/chromium")

# (who, path or a callable finding it, file name, caption, phone?)
SHOTS = [
    (None, "/login", "login.png", False),
    (None, "/register", "register-phone.png", True),
    ("tanya.brooks@example.org", "/", "member-home.png", False),
    ("tanya.brooks@example.org", "/notices/new", "notice-form-phone.png", True),
    ("tanya.brooks@example.org", "/notices/", "my-notices.png", False),
    ("steward247@example.org", "/cases/", "case-queue.png", False),
    ("steward247@example.org", "first-case", "case-page.png", False),
    ("steward247@example.org", "/roster-requests/", "roster-requests.png", False),
    ("steward247@example.org", "/reports/", "dashboard.png", False),
    ("steward247@example.org", "/reports/out-on-assignment", "out-on-assignment.png", False),
    ("admin@example.org", "/admin/chapters", "admin-chapters.png", False),
    ("admin@example.org", "/admin/users", "admin-users.png", False),
]


def main() -> int:
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="steward-shots-"))
    os.environ.update(
        STEWARD_ENV="development",
        SECRET_KEY="screenshots-only",  # noqa: S106 - a throwaway database, deleted after
        DATABASE_URL=f"sqlite:///{tmp / 'shots.sqlite3'}",
        UPLOAD_FOLDER=str(tmp / "uploads"),
        MAIL_BACKEND="locmem",
        SCHEDULER_IN_PROCESS="false",
        RATELIMIT_ENABLED="false",
    )
    from flask_migrate import upgrade

    from union import create_app
    from union.demo import DEMO_PASSWORD, load_demo_data
    from union.extensions import db

    app = create_app()
    with app.app_context():
        upgrade()
        load_demo_data()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for who, path, name, phone in SHOTS:
            viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 860}
            context = browser.new_context(base_url=base, viewport=viewport)
            page = context.new_page()
            if who:
                page.goto("/login")
                page.fill("input[name=email]", who)
                page.fill("input[name=password]", DEMO_PASSWORD)
                page.click("button[type=submit], input[type=submit]")
            if path == "first-case":
                page.goto("/cases/")
                link = page.locator("a[href*='/cases/']").filter(has_text="C-").first
                if link.count() == 0:
                    print(f"skip {name}: no case in the queue")
                    context.close()
                    continue
                link.click()
            else:
                response = page.goto(path)
                if response is None or response.status >= 400:
                    print(f"skip {name}: {path} answered {response and response.status}")
                    context.close()
                    continue
            page.screenshot(path=str(OUT / name), full_page=not phone)
            print(f"wrote docs/screenshots/{name}")
            context.close()
        browser.close()
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
