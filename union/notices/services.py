"""Notice rules: drafts, attachments, submission (with its case and receipt), a member's
updates, withdrawal, and who may see what.

Services flush and audit; the caller (view, command, job) commits.
"""

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import FileStorage

from union.auth.models import Role, User
from union.cases import services as case_services
from union.cases.models import Case, CaseEvent, CaseEventKind, CaseStatus
from union.core import audit
from union.core.links import external_url
from union.core.outbox import queue_email
from union.core.permissions import policy
from union.core.time import local_time, utcnow
from union.extensions import db
from union.notices import storage
from union.notices.models import (
    ANSWERS,
    COLUMN_CHOICES,
    Attachment,
    Duty,
    Notice,
    NoticeChoice,
    NoticeStatus,
    PayItem,
    Question,
    UpdateKind,
)

OTHER_AGENCY = "other"
# A date further than this from today is a typo (a wrong year), not a plan.
FAR_OFF_YEARS = 5

# The form's fields for the multiple-choice questions.
GROUPS = {
    "duties": Question.DUTY,
    "training_gaps": Question.TRAINING_GAP,
    "pay_items": Question.PAY,
}
# Columns a member fills in, as the form names them.
COLUMNS = (
    "kind", "willingness", "how_told", "home_agency_id", "home_office",
    "receiving_agency_other", "receiving_unit", "duties_other", "notified_on", "starts_on",
    "ends_on", "expected_length", "reply_by", "duty_location", "travel", "relocation",
    "remote_to_onsite", "coworkers_count", "training_status", "training_other",
    "contract_articles", "union_notified_before", "telework_affected",
    "outside_position_description", "safety_health", "personal_hardship", "statement",
    "consent_contact", "consent_anonymized_use", "confidential",
)  # fmt: skip


BOOLEANS = {"consent_contact", "consent_anonymized_use", "confidential"}


class NoticeProblems(ValueError):
    """What stops the action, field by field; each message is for the member."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


# -- who may do what -------------------------------------------------------------------


def _covers_by_name(user: Any, chapter_id: int) -> bool:
    """Listed as covering the chapter (an admin's blanket access does not count)."""
    return user.role in {Role.REP, Role.ADMIN} and any(
        c.id == chapter_id for c in user.covered_chapters
    )


@policy(Notice)
def _notice_policy(user: Any, action: str, notice: Notice) -> bool:
    """Members see their own notices; reps the submitted notices of the chapters they
    cover; admins every submitted one. A draft is the member's alone until submitted."""
    own = notice.member_id == user.id
    submitted = notice.status == NoticeStatus.SUBMITTED
    if action == "view":
        return own or (not notice.is_draft and user.covers(notice.chapter_id))
    if action in {"edit", "discard"}:
        return own and notice.is_draft
    if action == "update":
        return own and submitted
    if action == "withdraw":
        return own and submitted and notice.case is not None and notice.case.is_open
    if action == "identify":
        # A confidential notice names its member only to the chapter's own reps.
        if own:
            return True
        if not _notice_policy(user, "view", notice):
            return False
        return not notice.confidential or _covers_by_name(user, notice.chapter_id)
    return False


# -- loading ---------------------------------------------------------------------------


def member_notices(member: User) -> list[Notice]:
    """The member's notices, newest first, with what the list shows (one query)."""
    return list(
        db.session.scalars(
            select(Notice)
            .where(Notice.member_id == member.id)
            .options(joinedload(Notice.case), joinedload(Notice.receiving_agency))
            .order_by(Notice.created_at.desc(), Notice.id.desc())
        )
    )


def _with_everything(query: Select[tuple[Notice]]) -> Select[tuple[Notice]]:
    return query.options(
        joinedload(Notice.case),
        joinedload(Notice.member),
        joinedload(Notice.chapter),
        joinedload(Notice.home_agency),
        joinedload(Notice.receiving_agency),
        selectinload(Notice.choices),
        selectinload(Notice.attachments),
    )


def load_notice(notice_id: int, *, for_update: bool = False) -> Notice | None:
    """A notice with all its page shows. ``for_update`` locks its row (PostgreSQL; SQLite
    has a single writer), so two submits of one draft cannot both go through."""
    query = _with_everything(select(Notice).where(Notice.id == notice_id))
    if for_update:
        query = query.with_for_update(of=Notice)
    return db.session.scalars(query).unique().one_or_none()


def member_timeline(notice: Notice) -> list[CaseEvent]:
    """The events of the notice's case its member may read, oldest first."""
    if notice.case_id is None:
        return []
    return list(
        db.session.scalars(
            select(CaseEvent)
            .where(
                CaseEvent.case_id == notice.case_id,
                CaseEvent.visible_to_member.is_(True),
                or_(CaseEvent.notice_id.is_(None), CaseEvent.notice_id == notice.id),
            )
            .options(joinedload(CaseEvent.actor))
            .order_by(CaseEvent.at, CaseEvent.id)
        )
    )


def local_today(notice: Notice) -> date:
    """Today where the member's chapter is."""
    return local_time(utcnow(), notice.chapter.timezone).date()


# -- drafts ----------------------------------------------------------------------------


def new_draft(member: User) -> Notice:
    """A draft for ``member`` (not yet in the session): the member's chapter, and the
    chapter's agency as their component."""
    if member.chapter is None:
        raise NoticeProblems({"chapter": "Your account is not in a chapter yet."})
    return Notice(
        member_id=member.id,
        member=member,
        chapter_id=member.chapter.id,
        chapter=member.chapter,
        status=NoticeStatus.DRAFT,
        home_agency_id=member.chapter.agency_id,
        choices=[],
        attachments=[],
    )


def save_draft(notice: Notice, fields: dict[str, Any], *, actor: User) -> list[str]:
    """Store what the member entered so far (any subset of the form's fields) on their
    draft; returns the names of the fields that changed."""
    if not notice.is_draft:
        raise NoticeProblems({"notice": "This notice is already submitted."})
    changed = [name for name in COLUMNS if name in fields and _set(notice, name, fields[name])]
    if "receiving_agency" in fields:
        changed += _set_receiving(notice, fields["receiving_agency"])
    for name, question in GROUPS.items():
        if name in fields and _set_answers(notice, question, fields[name] or []):
            changed.append(name)
    created = notice.id is None
    db.session.add(notice)
    db.session.flush()
    if created:
        audit.record("notice.create_draft", notice, actor=actor)
    elif changed:
        audit.record("notice.save_draft", notice, actor=actor, changed=sorted(set(changed)))
    return changed


def _set(notice: Notice, name: str, value: Any) -> bool:
    if name in COLUMN_CHOICES and value is not None:
        value = COLUMN_CHOICES[name](value).value  # refuses a value that is not an option
    if name == "home_agency_id" and value is not None:
        value = int(value)
    if name in BOOLEANS:
        value = bool(value)
    if getattr(notice, name) == value:
        return False
    setattr(notice, name, value)
    return True


def _set_receiving(notice: Notice, choice: str | None) -> list[str]:
    agency_id = int(choice) if choice and choice != OTHER_AGENCY else None
    if agency_id == notice.receiving_agency_id:
        return []
    notice.receiving_agency_id = agency_id
    return ["receiving_agency"]


def _set_answers(notice: Notice, question: Question, values: Iterable[str]) -> bool:
    wanted = {ANSWERS[question](v).value for v in values}
    current = {c.answer for c in notice.choices if c.question == question}
    if wanted == current:
        return False
    notice.choices = [c for c in notice.choices if c.question != question or c.answer in wanted]
    notice.choices.extend(
        NoticeChoice(question=question.value, answer=answer) for answer in sorted(wanted - current)
    )
    return True


def discard_draft(notice: Notice, *, actor: User) -> None:
    """Delete a draft and its attachments (the files go once this commits)."""
    if not notice.is_draft:
        raise NoticeProblems({"notice": "Only a draft can be deleted."})
    for attachment in notice.attachments:
        storage.remove_after_commit(attachment.stored_name)
    audit.record("notice.discard_draft", notice, actor=actor, attachments=len(notice.attachments))
    db.session.delete(notice)
    db.session.flush()


# -- attachments -----------------------------------------------------------------------


def add_attachments(notice: Notice, uploads: list[FileStorage], *, actor: User) -> list[str]:
    """Check and keep each uploaded file on the draft; returns a message for each file
    refused (the others are kept: a refused file loses nothing else)."""
    if not notice.is_draft:
        raise NoticeProblems({"attachments": "Files can be added to a draft only."})
    config = current_app.config
    max_count, max_bytes = config["ATTACHMENT_MAX_COUNT"], config["ATTACHMENT_MAX_BYTES"]
    refused: list[str] = []
    for upload in uploads:
        if len(notice.attachments) >= max_count:
            refused.append(
                f"{storage.clean_filename(upload.filename or '') or 'A file'} was not added: "
                f"a notice can have at most {max_count} attachments."
            )
            continue
        try:
            checked = storage.check_upload(upload.filename or "", upload.stream, max_bytes)
        except storage.UploadRefused as refusal:
            refused.append(str(refusal))
            continue
        attachment = Attachment(
            stored_name=storage.store(checked.data),
            filename=checked.filename,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by_id=actor.id,
        )
        notice.attachments.append(attachment)
        db.session.add(notice)
        db.session.flush()
        audit.record(
            "notice.attach",
            notice,
            actor=actor,
            attachment_id=attachment.id,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
        )
    return refused


def remove_attachment(notice: Notice, attachment_id: int, *, actor: User) -> bool:
    """Take a file off a draft (the file goes once this commits)."""
    if not notice.is_draft:
        raise NoticeProblems({"attachments": "Files can be removed from a draft only."})
    attachment = next((a for a in notice.attachments if a.id == attachment_id), None)
    if attachment is None:
        return False
    notice.attachments.remove(attachment)
    storage.remove_after_commit(attachment.stored_name)
    audit.record("notice.detach", notice, actor=actor, attachment_id=attachment_id)
    db.session.flush()
    return True


def attachment_of(notice: Notice, attachment_id: int) -> Attachment | None:
    return next((a for a in notice.attachments if a.id == attachment_id), None)


# -- submitting ------------------------------------------------------------------------


def _years_from(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def far_off(day: date, today: date) -> bool:
    return not _years_from(today, -FAR_OFF_YEARS) <= day <= _years_from(today, FAR_OFF_YEARS)


DATE_NAMES = {
    "notified_on": "The date you were told",
    "starts_on": "The start date",
    "ends_on": "The end date",
    "reply_by": "The reply-by date",
}


def submission_problems(notice: Notice, today: date) -> dict[str, str]:
    """What must be answered, or fixed, before the notice can be submitted."""
    problems: dict[str, str] = {}
    required = {
        "kind": "Choose what you were told.",
        "willingness": "Choose whether you were directed or asked.",
        "how_told": "Choose how you were told.",
        "home_agency_id": "Choose your component.",
        "notified_on": "Enter the date you were told.",
        "training_status": "Choose what training you were given.",
    }
    for name, message in required.items():
        if getattr(notice, name) is None:
            problems[name] = message
    if notice.receiving_agency_id is None and not notice.receiving_agency_other:
        problems["receiving_agency"] = (
            "Choose the component you are sent to. If it is not listed, choose "
            "“Other” and type its name below."
        )
    duties = notice.duties
    if not duties and not notice.duties_other:
        problems["duties"] = (
            "Tick at least one duty. If none fits, tick “Other” and say what below."
        )
    elif Duty.OTHER in duties and not notice.duties_other:
        problems["duties_other"] = "Say in a few words what the other duties are."

    for name, label in DATE_NAMES.items():
        day = getattr(notice, name)
        if day is not None and far_off(day, today):
            problems[name] = (
                f"{label} is more than {FAR_OFF_YEARS} years from today: check the year."
            )
    if "notified_on" not in problems and notice.notified_on and notice.notified_on > today:
        problems["notified_on"] = "The date you were told cannot be in the future."
    starts, ends = notice.starts_on, notice.ends_on
    if "ends_on" not in problems and starts and ends and ends < starts:
        problems["ends_on"] = "The end date is before the start date."
    notified, reply_by = notice.notified_on, notice.reply_by
    if "reply_by" not in problems and notified and reply_by and reply_by < notified:
        problems["reply_by"] = "The reply-by date is before the date you were told."

    pay = notice.pay_items
    if PayItem.NONE_OFFERED in pay and len(pay) > 1:
        problems["pay_items"] = (
            "“Nothing extra offered” cannot go with other pay: untick one or the other."
        )
    return problems


def submit_notice(notice: Notice, *, actor: User) -> Case:
    """Submit a complete draft: it opens a case (status "new", with its reference), is
    audited, and the member is sent a receipt with no free text in it, just a link."""
    if not notice.is_draft:
        raise NoticeProblems({"notice": "This notice is already submitted."})
    today = local_today(notice)
    problems = submission_problems(notice, today)
    if problems:
        raise NoticeProblems(problems)
    if notice.receiving_agency_id is not None:
        notice.receiving_agency_other = None  # the catalogue entry says it
    case = case_services.open_case(chapter_id=notice.chapter_id, year=today.year, actor=actor)
    notice.case = case
    notice.status = NoticeStatus.SUBMITTED
    notice.submitted_at = utcnow()
    db.session.flush()
    audit.record("notice.submit", notice, actor=actor, case_id=case.id, reference=case.reference)
    from union.deadlines.services import propose_deadlines  # noqa: PLC0415 (import cycle)

    propose_deadlines(case, notice, actor=actor)
    queue_email(
        "notice-receipt",
        notice.member.email,
        f"Your notice is received: {case.reference}",
        "notice_receipt",
        user=notice.member,
        key=str(notice.id),
        reference=case.reference,
        status=CaseStatus(case.status).label,
        notice_url=external_url("notices.show", notice_id=notice.id),
    )
    return case


# -- after submitting ------------------------------------------------------------------

DATED_UPDATES = {UpdateKind.START_DATE_CHANGED, UpdateKind.END_DATE_CHANGED}


def add_update(
    notice: Notice,
    *,
    kind: str | None,
    new_date: date | None,
    body: str | None,
    actor: User,
) -> CaseEvent:
    """A member tells the union what changed; it lands on the case timeline."""
    problems: dict[str, str] = {}
    update = UpdateKind(kind) if kind else None
    if update is None:
        problems["update_kind"] = "Choose what changed."
    if update in DATED_UPDATES and new_date is None:
        problems["new_date"] = "Enter the new date."
    if new_date is not None and far_off(new_date, local_today(notice)):
        problems["new_date"] = f"The date is more than {FAR_OFF_YEARS} years from today."
    if update == UpdateKind.OTHER and not body:
        problems["body"] = "Tell us what changed."
    if notice.status != NoticeStatus.SUBMITTED or notice.case is None:
        problems["notice"] = "Only a submitted notice can be updated."
    if problems:
        raise NoticeProblems(problems)
    assert notice.case is not None and update is not None
    event = case_services.add_event(
        notice.case,
        CaseEventKind.MEMBER_UPDATE,
        actor=actor,
        body=body,
        visible_to_member=True,
        notice_id=notice.id,
        update=update.value,
        new_date=new_date.isoformat() if new_date else None,
    )
    audit.record("notice.update", notice, actor=actor, event_id=event.id, update=update.value)
    return event


def withdraw_notice(notice: Notice, *, reason: str | None, actor: User) -> None:
    """The member withdraws their notice; a case left with no notice standing is
    withdrawn with it."""
    case = notice.case
    if notice.status != NoticeStatus.SUBMITTED or case is None or not case.is_open:
        raise NoticeProblems({"notice": "This notice can no longer be withdrawn."})
    notice.status = NoticeStatus.WITHDRAWN
    notice.withdrawn_at = utcnow()
    db.session.flush()
    audit.record("notice.withdraw", notice, actor=actor, case_id=case.id)
    standing = db.session.scalar(
        select(Notice.id)
        .where(Notice.case_id == case.id, Notice.status == NoticeStatus.SUBMITTED)
        .limit(1)
    )
    if standing is None:
        case_services.set_status(
            case,
            CaseStatus.WITHDRAWN,
            actor=actor,
            kind=CaseEventKind.WITHDRAWN,
            body=reason,
            notice_id=notice.id,
        )
    else:
        case_services.add_event(
            case,
            CaseEventKind.WITHDRAWN,
            actor=actor,
            body=reason,
            visible_to_member=True,
            notice_id=notice.id,
        )


def describe_event(event: CaseEvent) -> str:
    """A timeline entry's title, in words a member reads."""
    details = event.details or {}
    match event.kind:
        case CaseEventKind.OPENED:
            return "Notice submitted; case opened"
        case CaseEventKind.MEMBER_UPDATE:
            update = details.get("update")
            return f"Update from the member: {_label(UpdateKind, update, 'Update')}"
        case CaseEventKind.WITHDRAWN:
            return "Notice withdrawn by the member"
        case CaseEventKind.STATUS_CHANGED:
            after = details.get("after")
            return f"Case status: {_label(CaseStatus, after, str(after))}"
        case CaseEventKind.REPLY:
            return "Reply from the union"
        case _:
            return "Note"


def _label(enum_cls: Any, value: Any, default: str) -> str:
    try:
        return str(enum_cls(value).label)
    except ValueError:
        return default
