"""Demo data: Chapter 247's "names put forward" roster request for ERO Atlanta, linked to
the members' nomination notices (and their collective case), sent to the chapter's
members, some answers in, and a draft of the union's information request.

Idempotent: nothing is added when the request is there already.
"""

from datetime import timedelta

from sqlalchemy import select

from union.auth.models import User
from union.auth.services import user_by_email
from union.chapters.models import Agency
from union.chapters.services import chapter_by_number
from union.extensions import db
from union.notices.models import Notice, NoticeKind
from union.rosters import answers, letters, services
from union.rosters.models import RosterRequest

TITLE = "Names put forward: ERO Atlanta Fugitive Operations"
REP = "steward247@example.org"
ANSWERS = {
    "tanya.brooks@example.org": ("named_unasked", None, "I never said I was available."),
    "deshawn.price@example.org": ("unavailable", None, None),
    "angela.ruiz@example.org": ("objects", "Already detailed to the docket; no training.", None),
}


def load_demo_rosters() -> int:
    """Add the demo roster request and what followed; returns how many were added."""
    chapter = chapter_by_number("247")
    rep = user_by_email(REP)
    if chapter is None or rep is None:
        return 0
    if db.session.scalar(
        select(RosterRequest.id).where(
            RosterRequest.chapter_id == chapter.id, RosterRequest.title == TITLE
        )
    ):
        return 0
    today = services.chapter_today(chapter)
    ice = db.session.scalars(select(Agency.id).where(Agency.code == "ICE-ERO")).one()
    roster = services.new_request(chapter, actor=rep)
    services.save_request(
        roster,
        {
            "title": TITLE,
            "requested_by_name": "Dana Pruitt",
            "requested_by_title": "Special Agent in Charge, Atlanta",
            "agency_id": chapter.agency_id,
            "office": "Atlanta Field Office",
            "receiving_agency_id": ice,
            "receiving_unit": "ERO Atlanta Fugitive Operations",
            "duties": ["arrests", "transport"],
            "people_requested": 40,
            "duration": "90 days, renewable",
            "communicated_on": today - timedelta(days=4),
            "how_communicated": "email",
            "reply_by": today + timedelta(days=2),
            "notes": "The SAC's email went to the whole squad; names were put forward before "
            "anyone was asked.",
        },
        today=today,
        actor=rep,
    )
    nominations = list(
        db.session.scalars(
            select(Notice).where(
                Notice.chapter_id == chapter.id,
                Notice.kind == NoticeKind.ROSTER_NOMINATION.value,
                Notice.case_id.is_not(None),
            )
        )
    )
    if nominations:
        services.link_notices(roster, nominations, actor=rep)
        # The members' notices are one collective case already: it is the request's case.
        roster.case_id = nominations[0].case_id
    people = answers.chapter_people(chapter.id)
    answers.send_request(roster, [p for p in people if p.user.role == "member"], actor=rep)
    db.session.flush()
    for email, (kind, reason, comment) in ANSWERS.items():
        user = db.session.scalar(select(User).where(User.email == email))
        recipient = answers.recipient_for(roster.id, user) if user else None
        if recipient is not None:
            answers.give_answer(recipient, answer=kind, reason=reason, comment=comment, actor=user)
    letters.start_info_request(services.load_request(roster.id), actor=rep)
    return 1
