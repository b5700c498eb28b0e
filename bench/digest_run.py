"""One digest run for every rep, timed, for bench/run_bench.py: the scheduler job's own
work (``send_due_digests``) at an instant when every rep's 07:00 daily digest is due,
sending over SMTP to the server of ``SMTP_URL``. Prints one line of JSON.

Run with the app's environment (DATABASE_URL, SMTP_URL, …) from the repository root.
"""

import json
import resource
import sys
import time
from datetime import UTC, datetime
from datetime import time as clock
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from union import create_app  # noqa: E402
from union.extensions import db  # noqa: E402

NOT_COUNTED = ("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")


def main() -> int:
    try:
        from union.digests.services import send_due_digests
    except ImportError:
        print(json.dumps({"available": False}))
        return 0
    app = create_app()
    queries = 0

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        nonlocal queries
        if not statement.lstrip()[:9].upper().startswith(NOT_COUNTED):
            queries += 1

    # 18:00 UTC is past 07:00 in every US time zone, Hawaii's included: all reps are due.
    now = datetime.combine(datetime.now(UTC).date(), clock(18), tzinfo=UTC)
    event.listen(Engine, "before_cursor_execute", count)
    with app.app_context():
        started, cpu = time.perf_counter(), time.process_time()
        run = send_due_digests(now)
        db.session.commit()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "due": run.due,
                "queued": run.queued,
                "sent": run.sent,
                "skipped_empty": run.skipped_empty,
                "failed": run.failed,
                "seconds": round(seconds, 2),
                # This process's CPU time (on SQLite it includes the database's work).
                "cpu_seconds": round(cpu, 2),
                "building_seconds": round(run.building_seconds, 2),
                "sending_seconds": round(run.sending_seconds, 2),
                "queries": queries,
                "queries_per_rep": round(queries / max(run.due, 1), 2),
                "peak_rss_mb": round(peak_kb / 1024, 1),
                "errors": run.errors[:3],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
