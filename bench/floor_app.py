"""The floor for the queue page: the same 50 rows (the busiest rep's open cases, newest
first, with the kind and destination of the first notice, who is assigned and the next
due date) from one hand-written SQL query, rendered by plain Jinja in a bare layout. No
login, no forms, no counts, no ORM. What the real page costs above this is the price of
its filters, counts, layout and framework.

Served by gunicorn like the app (``gunicorn --pythonpath bench floor_app:app``), with
DATABASE_URL and BENCH_FLOOR_CHAPTERS (comma-separated chapter ids) in the environment.
"""

import os

from flask import Flask, render_template_string
from sqlalchemy import bindparam, create_engine, text

OPEN_STATUSES = ["new", "triaged", "in_progress", "waiting"]

ROWS = text(
    """
    SELECT c.id, c.reference, c.status, c.priority, c.updated_at, u.name AS assigned,
           (SELECT min(d.due_on) FROM deadlines d
             WHERE d.case_id = c.id AND d.done_at IS NULL) AS next_due,
           (SELECT n.kind FROM notices n WHERE n.case_id = c.id ORDER BY n.id LIMIT 1) AS kind,
           (SELECT n.receiving_unit FROM notices n
             WHERE n.case_id = c.id ORDER BY n.id LIMIT 1) AS unit
      FROM cases c LEFT JOIN users u ON u.id = c.assigned_rep_id
     WHERE c.chapter_id IN :chapters AND c.status IN :statuses
     ORDER BY c.created_at DESC, c.id DESC
     LIMIT 50
    """
).bindparams(bindparam("chapters", expanding=True), bindparam("statuses", expanding=True))

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cases · Steward</title>
<link rel="stylesheet" href="/static/css/app.css"></head>
<body><main><h1>Cases</h1>
<table><thead><tr><th>Case</th><th>Status</th><th>Notice</th><th>Assigned</th>
<th>Next due</th><th>Last activity</th></tr></thead><tbody>
{% for row in rows %}<tr><th><a href="/cases/{{ row.id }}">{{ row.reference }}</a>
{% if row.priority != 'normal' %} <span>{{ row.priority }}</span>{% endif %}</th>
<td>{{ row.status }}</td><td>{{ row.kind or '—' }}<br>{{ row.unit or '' }}</td>
<td>{{ row.assigned or 'Nobody yet' }}</td><td>{{ row.next_due or '—' }}</td>
<td>{{ row.updated_at }}</td></tr>
{% endfor %}</tbody></table></main></body></html>"""


def _url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


app = Flask(__name__)
engine = create_engine(_url(os.environ["DATABASE_URL"]), pool_pre_ping=True)
chapters = [int(c) for c in os.environ["BENCH_FLOOR_CHAPTERS"].split(",")]


@app.get("/")
def floor() -> str:
    with engine.connect() as conn:
        rows = conn.execute(ROWS, {"chapters": chapters, "statuses": OPEN_STATUSES}).all()
    return render_template_string(PAGE, rows=rows)
