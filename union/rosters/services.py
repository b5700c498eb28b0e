"""Roster request rules: who may see what, recording a request (from scratch or from a
member's notice), its documents and linked notices, the collective case in one step, and
closing it. (Sending it to members and their answers live in ``answers``; the union's
information request in ``letters``.)

Services flush and audit; the caller (view, command, job) commits.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, exists, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import FileStorage

from union.auth.models import User
from union.cases import services as case_services
from union.cases.models import OPEN_STATUSES, Case, CaseEventKind
from union.chapters.models import Agency, Chapter
from union.core import audit
from union.core.permissions import policy
from union.core.time import local_time, utcnow
from union.extensions import db
from union.notices import storage
from union.notices.models import Channel, Duty, Notice, NoticeKind, NoticeStatus
from union.rosters.models import (
    DocumentRole,
    InfoRequest,
    RosterDocument,
    RosterDuty,
    RosterRecipient,
    RosterRequest,
    RosterStatus,
    roster_request_notices,
)

# Notices that are a roster request seen from the member's side.
ROSTER_KINDS = (NoticeKind.AVAILABILITY_SOLICITATION, NoticeKind.ROSTER_NOMINATION)
# More people than any roster holds is a typo (and past what a database integer holds).
MAX_PEOPLE = 100_000
# A date further than this from today is a typo (a wrong year), not a plan.
FAR_OFF_YEARS = 5


FIELDS = (
    "title", "requested_by_name", "requested_by_title", "agency_id", "office",
    "receiving_agency_id", "receiving_unit", "duties_other", "people_requested", "duration",
    "starts_on", "communicated_on", "how_communicated", "reply_by", "notes",
)  # fmt: skip


class RosterProblems(ValueError):
    """What stops the action, field by field; each message is for the person."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


# -- who may do what -------------------------------------------------------------------


@policy(RosterRequest)
def _request_policy(user: Any, action: str, request: RosterRequest) -> bool:
    """The reps of the request's chapter (and admins) see and work it. Members reach a
    request only through their own recipient record."""
    return bool(user.covers(request.chapter_id))


@policy(RosterRecipient)
def _recipient_policy(user: Any, action: str, recipient: RosterRecipient) -> bool:
    """A member sees and answers only what was sent to them."""
    return action in {"view", "answer"} and recipient.user_id == user.id


@policy(InfoRequest)
def _info_request_policy(user: Any, action: str, info_request: InfoRequest) -> bool:
    return bool(user.covers(info_request.chapter_id))


# -- time ------------------------------------------------------------------------------


def chapter_today(chapter: Chapter, now: datetime | None = None) -> date:
    """Today where the chapter is."""
    return local_time(now or utcnow(), chapter.timezone).date()


def answers_close_at(request: RosterRequest, chapter: Chapter) -> datetime:
    """The instant answers lock: the end of the reply-by day in the chapter's time zone."""
    next_day = request.reply_by + timedelta(days=1)
    return datetime.combine(next_day, time.min, tzinfo=ZoneInfo(chapter.timezone))


def answers_open(request: RosterRequest, chapter: Chapter, now: datetime | None = None) -> bool:
    """Members may still answer (or change their answer)."""
    if request.status == RosterStatus.CLOSED:
        return False
    return (now or utcnow()) < answers_close_at(request, chapter)


def _years_from(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _far_off(day: date, today: date) -> bool:
    return not _years_from(today, -FAR_OFF_YEARS) <= day <= _years_from(today, FAR_OFF_YEARS)


# -- loading ---------------------------------------------------------------------------


def _with_facts(query: Select[tuple[RosterRequest]]) -> Select[tuple[RosterRequest]]:
    return query.options(
        joinedload(RosterRequest.chapter),
        joinedload(RosterRequest.agency),
        joinedload(RosterRequest.receiving_agency),
        joinedload(RosterRequest.case),
        selectinload(RosterRequest.duties),
        selectinload(RosterRequest.documents),
    )


def load_request(request_id: int, *, for_update: bool = False) -> RosterRequest | None:
    """A request with the facts its pages show. ``for_update`` locks its row (PostgreSQL;
    SQLite has a single writer), so two sends of one request queue instead of racing."""
    query = select(RosterRequest).where(RosterRequest.id == request_id)
    if for_update:
        query = query.with_for_update(of=RosterRequest)
    return db.session.scalars(_with_facts(query)).unique().one_or_none()


def covered_chapter_ids(user: User) -> list[int] | None:
    """The chapters whose requests ``user`` works; None for an admin (every chapter)."""
    if user.is_admin:
        return None
    return [c.id for c in user.covered_chapters]


def chapters_of(user: User) -> list[Chapter]:
    if user.is_admin:
        return list(db.session.scalars(select(Chapter).order_by(Chapter.number)))
    return list(user.covered_chapters)


def requests_query(user: User, status: str | None = None) -> Select[tuple[RosterRequest]]:
    """The requests of the chapters ``user`` covers, the latest reply-by first."""
    query = select(RosterRequest)
    chapter_ids = covered_chapter_ids(user)
    if chapter_ids is not None:
        query = query.where(RosterRequest.chapter_id.in_(chapter_ids))
    if status:
        query = query.where(RosterRequest.status == status)
    return query.order_by(RosterRequest.reply_by.desc(), RosterRequest.id.desc())


LIST_OPTIONS = (
    joinedload(RosterRequest.chapter),
    joinedload(RosterRequest.agency),
    joinedload(RosterRequest.receiving_agency),
)


def linked_notices(request: RosterRequest) -> list[Notice]:
    """The members' notices linked to the request, with their case and member."""
    return list(
        db.session.scalars(
            select(Notice)
            .join(roster_request_notices, roster_request_notices.c.notice_id == Notice.id)
            .where(roster_request_notices.c.roster_request_id == request.id)
            .options(
                joinedload(Notice.case),
                joinedload(Notice.member),
                joinedload(Notice.receiving_agency),
            )
            .order_by(Notice.submitted_at, Notice.id)
        )
    )


def _unlinked_roster_notices() -> Select[tuple[Notice]]:
    """Submitted solicitation or nomination notices on open cases, linked to no request."""
    linked = exists().where(roster_request_notices.c.notice_id == Notice.id)
    return (
        select(Notice)
        .join(Case, Case.id == Notice.case_id)
        .where(
            Notice.kind.in_([k.value for k in ROSTER_KINDS]),
            Notice.status == NoticeStatus.SUBMITTED,
            Case.status.in_(OPEN_STATUSES),
            ~linked,
        )
        .options(
            joinedload(Notice.case),
            joinedload(Notice.member),
            joinedload(Notice.chapter),
            joinedload(Notice.receiving_agency),
        )
        .order_by(Notice.submitted_at.desc(), Notice.id.desc())
    )


def proposed_notices(user: User, limit: int = 50) -> list[Notice]:
    """Members' notices that propose a roster request: solicitations and nominations of
    the chapters ``user`` covers, on open cases, not yet linked to any request."""
    query = _unlinked_roster_notices()
    chapter_ids = covered_chapter_ids(user)
    if chapter_ids is not None:
        query = query.where(Notice.chapter_id.in_(chapter_ids))
    return list(db.session.scalars(query.limit(limit)))


def candidate_notices(request: RosterRequest, limit: int = 50) -> list[Notice]:
    """Notices of the request's chapter that could be linked to it."""
    query = _unlinked_roster_notices().where(Notice.chapter_id == request.chapter_id)
    return list(db.session.scalars(query.limit(limit)))


# -- recording -------------------------------------------------------------------------


def request_problems(fields: dict[str, Any], today: date) -> dict[str, str]:
    """What must be fixed before the request can be kept."""
    problems: dict[str, str] = {}
    if not fields.get("title"):
        problems["title"] = "Give the request a short name, e.g. “ERO Atlanta support roster”."
    if fields.get("reply_by") is None:
        problems["reply_by"] = "Enter the date management wants answers by."
    names = {
        "reply_by": "The reply-by date",
        "communicated_on": "The date management asked",
        "starts_on": "The start date",
    }
    for name, label in names.items():
        day = fields.get(name)
        if day is not None and _far_off(day, today):
            problems[name] = (
                f"{label} is more than {FAR_OFF_YEARS} years from today: check the year."
            )
    asked, reply_by = fields.get("communicated_on"), fields.get("reply_by")
    if "communicated_on" not in problems and asked is not None and asked > today:
        problems["communicated_on"] = "The date management asked cannot be in the future."
    if "reply_by" not in problems and asked and reply_by and reply_by < asked:
        problems["reply_by"] = "The reply-by date is before the date management asked."
    people = fields.get("people_requested")
    if people is not None and not 1 <= people <= MAX_PEOPLE:
        problems["people_requested"] = (
            f"Enter how many people, from 1 to {MAX_PEOPLE:,} (or leave it empty)."
        )
    for name in ("agency_id", "receiving_agency_id"):
        agency_id = fields.get(name)
        if agency_id is not None and db.session.get(Agency, agency_id) is None:
            problems[name] = "Choose a component from the list."
    if fields.get("how_communicated") not in (None, *(c.value for c in Channel)):
        problems["how_communicated"] = "Choose how management asked."
    return problems


def new_request(chapter: Chapter, *, actor: User) -> RosterRequest:
    """An empty request of ``chapter`` (not yet in the session)."""
    return RosterRequest(
        chapter_id=chapter.id,
        chapter=chapter,
        agency_id=chapter.agency_id,
        status=RosterStatus.RECORDED,
        created_by_id=actor.id,
        duties=[],
        documents=[],
    )


def save_request(
    request: RosterRequest, fields: dict[str, Any], *, today: date, actor: User
) -> list[str]:
    """Keep the request's facts (create it, or correct it); returns what changed."""
    problems = request_problems(fields, today)
    if problems:
        raise RosterProblems(problems)
    changed = [name for name in FIELDS if name in fields and _set(request, name, fields[name])]
    if "duties" in fields:
        wanted = {Duty(v).value for v in fields["duties"] or []}
        if wanted != {d.duty for d in request.duties}:
            request.duties = [d for d in request.duties if d.duty in wanted] + [
                RosterDuty(duty=v) for v in sorted(wanted - {d.duty for d in request.duties})
            ]
            changed.append("duties")
    created = request.id is None
    db.session.add(request)
    db.session.flush()
    if created:
        audit.record("roster.create", request, actor=actor, title=request.title)
    elif changed:
        audit.record("roster.edit", request, actor=actor, changed=sorted(changed))
    return changed


def _set(request: RosterRequest, name: str, value: Any) -> bool:
    if getattr(request, name) == value:
        return False
    setattr(request, name, value)
    return True


def fields_from_notice(notice: Notice) -> dict[str, Any]:
    """What a member's solicitation or nomination notice already says about the request."""
    unit = notice.receiving_unit or notice.receiving_label
    kind = "Names put forward" if notice.kind == NoticeKind.ROSTER_NOMINATION else "Availability"
    return {
        "title": f"{kind}: {unit}" if unit else kind,
        "agency_id": notice.home_agency_id,
        "office": notice.home_office,
        "receiving_agency_id": notice.receiving_agency_id,
        "receiving_unit": notice.receiving_unit or notice.receiving_agency_other,
        "duties": [d.value for d in notice.duties],
        "duties_other": notice.duties_other,
        "duration": notice.expected_length,
        "starts_on": notice.starts_on,
        "communicated_on": notice.notified_on,
        "how_communicated": notice.how_told,
        "reply_by": notice.reply_by,
    }


# -- documents -------------------------------------------------------------------------


def add_documents(
    request: RosterRequest,
    uploads: list[FileStorage],
    *,
    actor: User,
    role: DocumentRole = DocumentRole.SOURCE,
    info_request: InfoRequest | None = None,
) -> list[str]:
    """Check and keep each uploaded file with the request (the notices' storage: content
    sniffed, random names, removed again if the transaction does not commit); returns a
    message for each file refused (the others are kept)."""
    config = current_app.config
    max_count, max_bytes = config["ATTACHMENT_MAX_COUNT"], config["ATTACHMENT_MAX_BYTES"]
    refused: list[str] = []
    for upload in uploads:
        if len(request.documents) >= max_count * 2:
            refused.append(
                f"{storage.clean_filename(upload.filename or '') or 'A file'} was not added: "
                f"a roster request keeps at most {max_count * 2} files."
            )
            continue
        try:
            checked = storage.check_upload(upload.filename or "", upload.stream, max_bytes)
        except storage.UploadRefused as refusal:
            refused.append(str(refusal))
            continue
        document = RosterDocument(
            role=role.value,
            info_request_id=info_request.id if info_request is not None else None,
            stored_name=storage.store(checked.data),
            filename=checked.filename,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by_id=actor.id,
        )
        request.documents.append(document)
        db.session.add(request)
        db.session.flush()
        audit.record(
            "roster.attach",
            request,
            actor=actor,
            document_id=document.id,
            role=role.value,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
        )
    return refused


def remove_document(request: RosterRequest, document_id: int, *, actor: User) -> bool:
    """Take a file off the request (the file goes once this commits)."""
    document = document_of(request, document_id)
    if document is None:
        return False
    request.documents.remove(document)
    storage.remove_after_commit(document.stored_name)
    audit.record("roster.detach", request, actor=actor, document_id=document_id)
    db.session.flush()
    return True


def document_of(request: RosterRequest, document_id: int) -> RosterDocument | None:
    return next((d for d in request.documents if d.id == document_id), None)


# -- notices and the collective case ---------------------------------------------------


def link_notices(request: RosterRequest, notices: list[Notice], *, actor: User) -> list[Notice]:
    """Link members' notices of the request's chapter to it; returns those newly linked."""
    refused = [n for n in notices if n.chapter_id != request.chapter_id]
    if refused:
        raise RosterProblems({"notices": "Only notices of the request's chapter can be linked."})
    already = {n.id for n in linked_notices(request)}
    added = [n for n in notices if n.id not in already and n.status == NoticeStatus.SUBMITTED]
    if not added:
        raise RosterProblems({"notices": "Choose notices that are not linked yet."})
    db.session.execute(
        roster_request_notices.insert(),
        [{"roster_request_id": request.id, "notice_id": n.id} for n in added],
    )
    audit.record("roster.link_notices", request, actor=actor, notice_ids=[n.id for n in added])
    return added


def unlink_notice(request: RosterRequest, notice_id: int, *, actor: User) -> bool:
    result = db.session.execute(
        roster_request_notices.delete().where(
            roster_request_notices.c.roster_request_id == request.id,
            roster_request_notices.c.notice_id == notice_id,
        )
    )
    if not result.rowcount:
        return False
    audit.record("roster.unlink_notice", request, actor=actor, notice_id=notice_id)
    return True


@dataclass
class CaseOutcome:
    case: Case
    linked: list[Notice] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)


def open_collective_case(request: RosterRequest, *, today: date, actor: User) -> CaseOutcome:
    """One case for the whole request: a new case of the chapter, every linked notice
    moved into it (the cases feature's own linking: timelines, deadlines, emptied cases
    closed), the members' reply-by date as a deadline on it."""
    if request.case is not None and request.case.is_open:
        raise RosterProblems(
            {"case": f"This request already has its case, {request.case.reference}."}
        )
    case = case_services.open_case(chapter_id=request.chapter_id, year=today.year, actor=actor)
    case_services.add_event(
        case,
        CaseEventKind.NOTE,
        actor=actor,
        body=f"Opened for the roster request “{request.title}”.",
    )
    outcome = CaseOutcome(case=case)
    movable = []
    for notice in linked_notices(request):
        source = notice.case
        if notice.status != NoticeStatus.SUBMITTED or source is None:
            outcome.left_out.append(f"Notice #{notice.id} is withdrawn.")
        elif not source.is_open:
            outcome.left_out.append(
                f"The notice of {source.reference} stays with it: that case is "
                f"{source.status_label.lower()}."
            )
        else:
            movable.append(notice)
    if movable:
        outcome.linked = case_services.link_notices(case, movable, actor=actor)
    from union.deadlines import services as deadlines  # noqa: PLC0415 (import cycle)
    from union.deadlines.models import Deadline, DeadlineKind  # noqa: PLC0415

    has_reply_by = db.session.scalar(
        select(Deadline.id).where(
            Deadline.case_id == case.id,
            Deadline.kind == DeadlineKind.REPLY_BY.value,
            Deadline.due_on == request.reply_by,
        )
    )
    if has_reply_by is None:
        deadlines.add_deadline(
            case,
            kind=DeadlineKind.REPLY_BY,
            title="Members' answers to management are due",
            due_on=request.reply_by,
            rule="The reply-by date of the roster request",
            actor=actor,
        )
    request.case_id = case.id
    request.case = case
    db.session.flush()
    audit.record(
        "roster.open_case",
        request,
        actor=actor,
        case_id=case.id,
        reference=case.reference,
        notice_ids=[n.id for n in outcome.linked],
    )
    return outcome


# -- status ----------------------------------------------------------------------------


def close_request(request: RosterRequest, *, actor: User) -> None:
    if request.status == RosterStatus.CLOSED:
        raise RosterProblems({"status": "This request is closed already."})
    # A closed request locks members' answers; it can be reopened (see reopen_request).
    before = request.status
    request.status = RosterStatus.CLOSED
    db.session.flush()
    audit.record("roster.close", request, actor=actor, before=before)


def reopen_request(request: RosterRequest, *, actor: User) -> None:
    if request.status != RosterStatus.CLOSED:
        raise RosterProblems({"status": "This request is open."})
    sent = db.session.scalar(
        select(RosterRecipient.id).where(RosterRecipient.roster_request_id == request.id).limit(1)
    )
    request.status = RosterStatus.SENT if sent is not None else RosterStatus.RECORDED
    db.session.flush()
    audit.record("roster.reopen", request, actor=actor, after=request.status)
