"""Admin pages (placeholder listing pages; the full pages are being built)."""

from flask import render_template
from sqlalchemy import select

from union.admin import bp
from union.auth.models import User
from union.chapters.models import Agency, Chapter
from union.core.audit import AuditEntry
from union.core.outbox import OutboxMessage
from union.core.permissions import admin_required
from union.extensions import db


@bp.get("/chapters")
@admin_required
def chapters() -> str:
    return render_template(
        "admin/list.html", title="Chapters", rows=db.session.scalars(select(Chapter)).all()
    )


@bp.get("/users")
@admin_required
def users() -> str:
    return render_template(
        "admin/list.html", title="Users", rows=db.session.scalars(select(User)).all()
    )


@bp.get("/agencies")
@admin_required
def agencies() -> str:
    return render_template(
        "admin/list.html", title="Agencies", rows=db.session.scalars(select(Agency)).all()
    )


@bp.get("/mail")
@admin_required
def outbox() -> str:
    return render_template(
        "admin/list.html", title="Mail", rows=db.session.scalars(select(OutboxMessage)).all()
    )


@bp.get("/audit")
@admin_required
def audit_log() -> str:
    return render_template(
        "admin/list.html", title="Audit log", rows=db.session.scalars(select(AuditEntry)).all()
    )
