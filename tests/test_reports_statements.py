"""Anonymized statements (both databases): what the scrubber takes out, the rep's review
one by one (an approval refused while a name or number is left), the document for
lawmakers, consent withdrawn at any time, and who may reach any of it."""

import re

import pytest
from sqlalchemy import select

from tests.factories import login, make_chapter, make_member, make_notice, make_user
from union.core.audit import AuditEntry
from union.extensions import db
from union.notices.models import Notice
from union.reports import statements as services
from union.reports.models import StatementReview

STORY = (
    "My name is Maria Delgado-Ruiz, badge 4471, employee no. E-20931. On 2026-03-02 "
    "Supervisor Jane Doe told me and my coworker Bob Lee that John Smith was put forward "
    "too. Call me at (404) 555-0147 or 404.555.0199 ext. 12, or write to "
    "maria.dr@proton.me. My member number is 88213. Ana M. Ruiz was there. SAC Thompson "
    "said it is 120 days, in 2026. I work at the Macon Resident Office. maria is fine. "
    "Later Smith asked me again, and Will is coming."
)
IDENTIFIERS = [
    "Maria", "maria", "Delgado", "Ruiz", "4471", "20931", "Jane", "Doe", "Bob Lee", "John Smith",
    "404", "555-0147", "0199", "maria.dr", "proton.me", "88213", "Ana", "Thompson",
    "Macon Resident Office", "Smith",
]  # fmt: skip


@pytest.fixture
def story(ctx):
    chapter = make_chapter()
    rep = make_user("rep", covers=[chapter])
    member = make_user("member", chapter=chapter, name="Maria Delgado-Ruiz",
                       email="maria.d@example.net")  # fmt: skip
    make_member(chapter, "88213", name="Delgado-Ruiz, Maria", email="maria.d@example.net",
                phone="404-555-0147", office="Macon Resident Office",
                user_id=member.id)  # fmt: skip
    make_member(chapter, name="Smith, John", office="Atlanta Field Office")
    make_member(chapter, name="Ana M. Ruiz", office="Atlanta Field Office")
    for _ in range(10):
        make_member(chapter, office="Atlanta Field Office")
    notice = make_notice(member, statement=STORY, consent_anonymized_use=True,
                         home_office="Macon Resident Office")  # fmt: skip
    return {"chapter": chapter, "rep": rep, "member": member, "notice": notice}


def test_a_statement_comes_out_scrubbed(story):
    from union.notices.services import load_notice

    notice = load_notice(story["notice"].id)
    text = services.scrub(notice.statement, services.context_of(notice))
    for identifier in IDENTIFIERS:
        assert identifier not in text, identifier
    # What is not identifying stays: the date, the 120 days, the year, a big office.
    for kept in ("On 2026-03-02", "120 days", "in 2026", "Supervisor [name]", "badge [number]",
                 "and Will is coming"):  # fmt: skip
        assert kept in text, kept
    assert "[an office of Treasury/IRS-CI]" in text
    assert services.identifiers_in(text, services.context_of(notice)) == []


def test_a_rep_reviews_and_approves_and_the_document_shows_it(client, story):
    notice_id = story["notice"].id
    login(client, story["rep"])
    listing = client.get("/reports/statements").get_data(as_text=True)
    assert f"/reports/statements/{notice_id}" in listing and "Maria" not in listing
    page = client.get(f"/reports/statements/{notice_id}").get_data(as_text=True)
    proposed = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S).group(1)
    assert "maria.dr@proton.me" not in proposed and "[email]" in proposed

    # An edit that puts back an email, a phone number or a name is refused.
    for leak in ("Write to maria.dr@proton.me.", "Call 404-555-0147.", "Ask Maria.",
                 "Badge 4471.", "Officer Jane Doe saw it."):  # fmt: skip
        refused = client.post(f"/reports/statements/{notice_id}",
                              data={"text": leak, "approve": "1"})  # fmt: skip
        assert refused.status_code == 422, leak
        assert "Not approved" in refused.get_data(as_text=True)
    assert db.session.scalar(select(StatementReview)) is None

    text = "We were told by email on Friday. Nobody trained us. [name] said it lasts 120 days."
    done = client.post(f"/reports/statements/{notice_id}", data={"text": text, "approve": "1"})
    assert done.status_code == 302
    document = client.get("/reports/statements/approved").get_data(as_text=True)
    assert "Nobody trained us" in document
    assert "A member at Treasury/IRS-CI;" in document  # the small office is not named
    assert "Macon" not in document
    plain = client.get("/reports/statements/approved.txt")
    assert plain.mimetype == "text/plain"
    assert "1. A member at Treasury/IRS-CI" in plain.get_data(as_text=True)
    assert "Nobody trained us" in plain.get_data(as_text=True)
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert "statement.approved" in actions and actions.count("export.statements") == 2


def test_saved_and_rejected_statements_stay_out_of_the_document(client, story):
    login(client, story["rep"])
    url = f"/reports/statements/{story['notice'].id}"
    client.post(url, data={"text": "Draft words only.", "save": "1"})
    assert "Draft words" not in client.get("/reports/statements/approved").get_data(as_text=True)
    client.post(url, data={"text": "Rejected words.", "reject": "1"})
    assert "Rejected words" not in client.get("/reports/statements/approved").get_data(as_text=True)
    assert db.session.scalar(select(StatementReview.status)) == "rejected"


def test_withdrawing_consent_removes_the_statement(client, story):
    notice_id = story["notice"].id
    login(client, story["rep"])
    client.post(f"/reports/statements/{notice_id}",
                data={"text": "Plain words of a member.", "approve": "1"})  # fmt: skip
    assert "Plain words" in client.get("/reports/statements/approved").get_data(as_text=True)

    client.post("/logout")
    login(client, story["member"])
    notice_page = client.get(f"/notices/{notice_id}").get_data(as_text=True)
    assert f"/reports/statements/{notice_id}/consent" in notice_page
    consent = client.get(f"/reports/statements/{notice_id}/consent").get_data(as_text=True)
    assert "Plain words of a member." in consent  # the member sees what was approved
    answer = client.post(f"/reports/statements/{notice_id}/withdraw-consent")
    assert answer.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(StatementReview)) is None
    assert db.session.get(Notice, notice_id).consent_anonymized_use is False
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "notice.withdraw_anonymized_consent")
    )

    client.post("/logout")
    login(client, story["rep"])
    assert "Plain words" not in client.get("/reports/statements/approved").get_data(as_text=True)
    assert "Plain words" not in client.get("/reports/statements/approved.txt").get_data(
        as_text=True
    )
    assert f"/reports/statements/{notice_id}" not in client.get("/reports/statements").get_data(
        as_text=True
    )
    assert client.get(f"/reports/statements/{notice_id}").status_code == 404


def test_nobody_else_reaches_any_of_it(client, story):
    notice_id = story["notice"].id
    other_rep = make_user("rep", covers=[make_chapter()])
    other_member = make_user("member", chapter=story["chapter"])
    login(client, story["rep"])
    client.post(f"/reports/statements/{notice_id}",
                data={"text": "Approved words.", "approve": "1"})  # fmt: skip

    client.post("/logout")
    login(client, other_rep)
    assert client.get(f"/reports/statements/{notice_id}").status_code == 404
    assert client.post(f"/reports/statements/{notice_id}",
                       data={"text": "x", "approve": "1"}).status_code == 404  # fmt: skip
    for url in ("/reports/statements", "/reports/statements/approved",
                "/reports/statements/approved.txt",
                f"/reports/statements/approved?chapter={story['chapter'].id}"):  # fmt: skip
        assert "Approved words" not in client.get(url).get_data(as_text=True)
    assert client.get(f"/reports/statements/{notice_id}/consent").status_code == 404
    assert client.post(f"/reports/statements/{notice_id}/withdraw-consent").status_code == 404

    client.post("/logout")
    login(client, other_member)
    for url in ("/reports/", "/reports/statements", f"/reports/statements/{notice_id}",
                "/reports/statements/approved", "/reports/statements/approved.txt",
                "/reports/export/cases.csv"):  # fmt: skip
        assert client.get(url).status_code == 403, url
    assert client.get(f"/reports/statements/{notice_id}/consent").status_code == 404
    assert client.post(f"/reports/statements/{notice_id}/withdraw-consent").status_code == 404

    client.post("/logout")
    login(client, story["rep"])  # reads the notice, but the consent is the member's
    assert client.post(f"/reports/statements/{notice_id}/withdraw-consent").status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(StatementReview.status)) == "approved"


def test_a_statement_without_consent_is_never_listed(client, ctx):
    chapter = make_chapter()
    rep = make_user("rep", covers=[chapter])
    member = make_user("member", chapter=chapter)
    notice = make_notice(member, statement="Do not use this.", consent_anonymized_use=False)
    login(client, rep)
    assert f"/reports/statements/{notice.id}" not in client.get("/reports/statements").get_data(
        as_text=True
    )
    assert client.get(f"/reports/statements/{notice.id}").status_code == 404
