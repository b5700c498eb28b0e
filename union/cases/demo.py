"""Demo notices and cases for the demo chapters, made through the real services: members
report, reps triage, assign, reply, record actions and group a collective case. Dates are
relative to today, so some deadlines are overdue and some are coming up.

Idempotent: when any demo member already has a notice, nothing is added."""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from union.auth.models import Role, User
from union.auth.services import create_user, user_by_email
from union.cases import services as case_services
from union.cases.models import Case
from union.chapters.models import Agency
from union.chapters.services import chapter_by_number
from union.core.time import local_time, utcnow
from union.extensions import db
from union.notices import services as notice_services
from union.notices.models import Notice

# Members who report in the demo besides the ones demo.PEOPLE logs in as.
EXTRA_MEMBERS = [
    ("deshawn.price@example.org", "DeShawn Price", "247"),
    ("angela.ruiz@example.org", "Angela Ruiz", "247"),
    ("omar.jenkins@example.org", "Omar Jenkins", "247"),
    ("minh.tran@example.org", "Minh Tran", "3012"),
    ("lorraine.hughes@example.org", "Lorraine Hughes", "1147"),
]

ROSTER = (
    "On Monday my SAC emailed that my name was 'put forward' for the ERO Atlanta fugitive "
    "operations task force and that I am 'expected to say if I'm available' by Friday. "
    "I have never made a civil immigration arrest. Nobody mentioned training, pay or how "
    "long it lasts."
)

# email, days since told, answers (beyond the defaults below), what the reps did
NOTICES: list[tuple[str, int, dict[str, Any], dict[str, Any]]] = [
    ("tanya.brooks@example.org", 4,
     {"kind": "roster_nomination", "receiving": "ICE-ERO",
      "receiving_unit": "ERO Atlanta Fugitive Operations", "reply_in": 2,
      "union_notified_before": "no", "statement": ROSTER},
     {"collective": "roster", "rep": "steward247@example.org", "path": ["triaged", "in_progress"],
      "priority": "high", "action": ("information_request", 1),
      "reply": "We have asked management in writing for the full roster and the legal basis "
               "for these nominations. You do not have to volunteer. We will write again by "
               "Friday.",
      "note": "Three nominations from the same email so far; SAC copied the whole squad."}),
    ("luis.romero@example.org", 3,
     {"kind": "roster_nomination", "receiving": "ICE-ERO",
      "receiving_unit": "ERO Atlanta Fugitive Operations", "reply_in": 3, "confidential": True,
      "union_notified_before": "no",
      "statement": "Same email as my coworkers. I do not want my name used: I am on probation."},
     {"collective": "roster"}),
    ("deshawn.price@example.org", 6,
     {"kind": "roster_nomination", "receiving": "ICE-ERO",
      "receiving_unit": "ero atlanta fugitive operations", "reply_in": 1,
      "statement": "My supervisor forwarded the nomination email and asked for an answer today."},
     {"collective": "roster"}),
    ("angela.ruiz@example.org", 35,
     {"kind": "detail", "receiving": "ICE-ERO", "receiving_unit": "Atlanta Detention Docket",
      "duties": ["dockets", "detention"], "training_status": "partial",
      "training_gaps": ["detention_standards"], "starts_ago": 28,
      "contract_articles": "Article 9 (details); Article 47 (telework)",
      "telework_affected": "yes", "outside_position_description": "yes",
      "statement": "Detailed to the detention docket for 120 days. My telework agreement was "
                   "suspended without notice."},
     {"rep": "steward247@example.org", "path": ["triaged", "in_progress", "waiting"],
      "priority": "high", "action": ("grievance", 20, 1),
      "note": "Waiting on the step 1 answer; the grievance window on the detail is past."}),
    ("omar.jenkins@example.org", 24,
     {"kind": "tdy", "receiving": "ICE-ERO",
      "receiving_unit": "Removal flight escort, Alexandria LA", "duties": ["transport"],
      "safety_health": "No body armor issued. Overnight flights with no relief agent.",
      "travel": "yes", "statement": "Two weeks of escort duty on removal flights."},
     {}),
    ("grace.okafor@example.org", 10,
     {"kind": "task_force", "receiving": "ICE-HSI",
      "receiving_unit": "HSI Dallas Document and Benefit Fraud Task Force",
      "duties": ["investigations", "arrests"], "training_status": "promised",
      "personal_hardship": "Single parent; the task force runs 6 a.m. operations.",
      "statement": "Told in a meeting that FDNS officers will join HSI operations weekly."},
     {"rep": "steward3012@example.org", "path": ["triaged"], "action": ("meeting", 2),
      "reply": "Thank you. We raised the 6 a.m. schedule with the Field Office Director and "
               "will tell you what they answer."}),
    ("minh.tran@example.org", 29,
     {"kind": "deputization", "receiving": "USMS",
      "receiving_unit": "Special deputation, Northern District of Texas",
      "duties": ["arrests", "transport"], "training_gaps": ["use_of_force", "firearms"],
      "statement": "Sworn in as a special deputy US Marshal with a one-hour briefing."},
     {"rep": "steward3012@example.org", "path": ["triaged", "in_progress"],
      "priority": "urgent", "action": ("grievance", 1, 1)}),
    ("sam.whitaker@example.org", 2,
     {"kind": "collateral_duty", "receiving": "ICE-ERO",
      "receiving_unit": "Adelanto ICE Processing Center", "duties": ["detention", "transport"],
      "safety_health": "Housing units staffed at half strength.",
      "statement": "Correctional officers told to cover ICE detainee transport on overtime."},
     {"priority": "urgent"}),
    ("lorraine.hughes@example.org", 60,
     {"kind": "permanent_reassignment", "receiving": "ICE-ERO",
      "receiving_unit": "Adelanto ICE Processing Center", "starts_ago": 30,
      "statement": "Reassigned permanently to the Adelanto contract oversight office."},
     {"rep": "officer1147@example.org", "path": ["triaged", "in_progress", "resolved", "closed"],
      "action": ("bargaining_demand", 50),
      "reply": "Management rescinded the reassignment after our bargaining demand. The case "
               "is closed; tell us if anything changes."}),
    ("nadia.haddad@example.org", 6,
     {"kind": "availability_solicitation", "receiving": "ICE-ERO",
      "receiving_unit": "Removal flight security, Washington Dulles", "reply_in": 1,
      "willingness": "voluntary",
      "statement": "A message to all agents asking who is available for removal flights."},
     {"rep": "officer1147@example.org"}),
]  # fmt: skip


def _agency_id(code: str) -> int:
    return db.session.scalars(select(Agency.id).where(Agency.code == code)).one()


def _answers(member: User, today: date, days_ago: int, given: dict[str, Any]) -> dict[str, Any]:
    given = dict(given)
    reply_in, starts_ago = given.pop("reply_in", None), given.pop("starts_ago", None)
    answers: dict[str, Any] = {
        "willingness": "directed",
        "how_told": "email",
        "home_agency_id": member.chapter.agency_id if member.chapter else None,
        "home_office": member.chapter.name.split(", ")[-1] if member.chapter else None,
        "receiving_agency": str(_agency_id(given.pop("receiving"))),
        "duties": ["arrests", "transport"],
        "notified_on": today - timedelta(days=days_ago),
        "training_status": "none",
        "training_gaps": ["use_of_force", "arrest_procedure", "immigration_law"],
        "pay_items": ["none_offered"],
        "consent_contact": True,
    }
    if reply_in is not None:
        answers["reply_by"] = today + timedelta(days=reply_in)
    if starts_ago is not None:
        answers["starts_on"] = today - timedelta(days=starts_ago)
    answers.update(given)
    return answers


def load_demo_cases() -> int:
    """Add the demo notices and what reps did about them; returns how many were added."""
    for email, name, number in EXTRA_MEMBERS:
        if user_by_email(email) is None:
            create_user(email=email, name=name, password=_password(), role=Role.MEMBER,
                        chapter=chapter_by_number(number), covered=[])  # fmt: skip
    emails = [email for email, *_ in NOTICES]
    members = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
    if db.session.scalar(
        select(Notice.id).where(Notice.member_id.in_([u.id for u in members.values()])).limit(1)
    ):
        return 0
    # A collective case gets its notices first, then the work (a reply reaches them all).
    collective: dict[str, tuple[Case, dict[str, Any], date]] = {}
    for email, days_ago, given, work in NOTICES:
        member = members[email]
        assert member.chapter is not None
        today = local_time(utcnow(), member.chapter.timezone).date()
        notice = notice_services.new_draft(member)
        notice_services.save_draft(notice, _answers(member, today, days_ago, given), actor=member)
        case = notice_services.submit_notice(notice, actor=member)
        group = work.get("collective")
        if group in collective:
            first, first_work, _ = collective[group]
            rep = user_by_email(first_work["rep"])
            case_services.link_notices(first, [notice], actor=rep)
        elif group:
            collective[group] = (case, work, today)
        else:
            _work(case, work, today)
    for case, work, today in collective.values():
        _work(case, work, today)
    return len(NOTICES)


def _work(case: Case, work: dict[str, Any], today: date) -> None:
    rep = user_by_email(work["rep"]) if work.get("rep") else None
    actor = rep or user_by_email("admin@example.org")
    if rep is not None:
        case_services.assign_case(case, rep, actor=rep)
    for status in work.get("path", []):
        case_services.change_status(case, status, actor=actor)
    if work.get("priority"):
        case_services.set_priority(case, work["priority"], actor=actor)
    if work.get("action"):
        kind, days_ago, *step = work["action"]
        case_services.record_action(
            case, kind=kind, taken_on=today - timedelta(days=days_ago),
            step=step[0] if step else None, note=None, today=today, actor=actor,
        )  # fmt: skip
    if work.get("note"):
        case_services.add_comment(case, work["note"], reply=False, actor=actor)
    if work.get("reply"):
        case_services.add_comment(case, work["reply"], reply=True, actor=actor)


def _password() -> str:
    from union.demo import DEMO_PASSWORD

    return DEMO_PASSWORD
