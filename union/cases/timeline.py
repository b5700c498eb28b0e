"""A case's timeline in a rep's words: what each event was, and whether its text is shown
(a member's moved-notice message is for them, not for the rep's timeline)."""

from datetime import date
from typing import Any

from union.cases.models import CaseActionKind, CaseEvent, CaseEventKind, CasePriority, CaseStatus


def _label(enum_cls: Any, value: Any) -> str:
    try:
        return str(enum_cls(value).label)
    except ValueError:
        return str(value)


def _day(iso: str | None) -> str:
    return f"{date.fromisoformat(iso):%b %-d, %Y}" if iso else ""


def describe_for_rep(event: CaseEvent) -> str:
    """The title of a timeline entry, e.g. "Status: New → Triaged"."""
    details = event.details or {}
    match event.kind:
        case CaseEventKind.OPENED:
            return "Notice submitted; case opened"
        case CaseEventKind.STATUS_CHANGED:
            before, after = details.get("before"), details.get("after")
            return f"Status: {_label(CaseStatus, before)} → {_label(CaseStatus, after)}"
        case CaseEventKind.MEMBER_UPDATE:
            from union.notices.services import describe_event

            return describe_event(event)
        case CaseEventKind.WITHDRAWN:
            return "Notice withdrawn by the member"
        case CaseEventKind.REPLY:
            return "Reply to the member" if event.notice_id else "Reply to the members"
        case CaseEventKind.NOTE:
            return "Internal note"
        case CaseEventKind.ASSIGNED:
            if details.get("to_name"):
                return f"Assigned to {details['to_name']}"
            return f"Unassigned (was {details.get('from_name') or 'nobody'})"
        case CaseEventKind.PRIORITY_CHANGED:
            before, after = details.get("before"), details.get("after")
            return f"Priority: {_label(CasePriority, before)} → {_label(CasePriority, after)}"
        case CaseEventKind.ACTION_RECORDED:
            label = _label(CaseActionKind, details.get("action"))
            if details.get("step"):
                label = f"{label} at step {details['step']}"
            return f"Action: {label}, {_day(details.get('taken_on'))}"
        case CaseEventKind.NOTICE_LINKED:
            if details.get("split"):
                return f"Notice #{event.notice_id} split out of {details.get('from_case')}"
            return f"Notice #{event.notice_id} linked in from {details.get('from_case')}"
        case CaseEventKind.NOTICE_UNLINKED:
            if details.get("split"):
                return f"Notice #{event.notice_id} split out into {details.get('to_case')}"
            return f"Notice #{event.notice_id} linked into {details.get('to_case')}"
        case CaseEventKind.DEADLINE:
            try:
                from union.deadlines.services import describe_deadline_event
            except ImportError:
                return "Deadline"
            return describe_deadline_event(event)
    return str(event.kind)


def shows_body(event: CaseEvent) -> bool:
    """Whether the event's text belongs on the rep's timeline."""
    return event.kind not in {CaseEventKind.NOTICE_LINKED, CaseEventKind.NOTICE_UNLINKED}
