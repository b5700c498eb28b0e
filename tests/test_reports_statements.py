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


def test_the_statement_approved_as_proposed_names_nobody_the_member_typed(client, story):
    """The rep approves the scrubber's proposal untouched: the document for lawmakers (page
    and plain text) holds no name, email, phone or number from the member's statement."""
    from html import unescape

    notice_id = story["notice"].id
    login(client, story["rep"])
    page = client.get(f"/reports/statements/{notice_id}").get_data(as_text=True)
    proposed = unescape(re.search(r"<textarea[^>]*>\n?(.*?)</textarea>", page, re.S).group(1))
    answer = client.post(f"/reports/statements/{notice_id}",
                         data={"text": proposed, "approve": "1"})  # fmt: skip
    assert answer.status_code == 302, answer.get_data(as_text=True)
    for url in ("/reports/statements/approved", "/reports/statements/approved.txt"):
        document = unescape(client.get(url).get_data(as_text=True))
        assert "put forward" in document  # the statement is there...
        for identifier in IDENTIFIERS:  # ...and nothing that names anyone
            assert identifier not in document, (url, identifier)
        assert "Pat" not in document and "maria.d@example.net" not in document


# -- many statements, generated ---------------------------------------------------------

FIRST = ["Maria", "José", "Zoë", "Siobhan", "Tremaine", "Aaliyah", "Dmitri", "Keiko"]
LAST = ["Delgado-Ruiz", "O'Brien", "Nguyễn", "Kowalczyk", "Okafor", "McAllister", "Haddad"]
DOMAINS = ["proton.me", "mail.example.co.uk", "gmail.com", "ice.dhs.gov"]
PHONES = ["({a}) {b}-{c}", "{a}-{b}-{c}", "{a}.{b}.{c}", "+1 {a} {b} {c}", "1-{a}-{b}-{c}",
          "{a}{b}{c}", "({a}){b}-{c} ext. 4"]  # fmt: skip
NUMBERS = ["badge {n}", "Badge #{n}", "badge no. {n}", "employee ID E{n}", "Employee No. {n}",
           "emp# {n}", "my ID is {n}", "credential {n}", "star number {n}", "{n}"]  # fmt: skip
TITLES = ["Supervisor", "Officer", "SAC", "Deputy Director", "my coworker", "Agent", "Ms."]


def _generated_statements(rng, own: tuple[str, str], listed: list[tuple[str, str]]):
    """Statements that name the member, listed coworkers and managers, with emails, phone
    numbers and badge or employee numbers: (text, what must not be left in it)."""
    first, last = own
    for _ in range(80):
        secrets: list[str] = []
        parts = ["I was told by email on Friday that I am detailed to ERO for 90 days."]
        who = rng.choice([f"{first} {last}", f"{last}, {first}", first, first.lower(), last,
                          f"{first[0]}. {last}"])  # fmt: skip
        parts.append(f"Signed, {who}.")
        secrets += [w.strip(".,") for w in who.replace(",", " ").split() if len(w.strip(".")) > 1]
        email = f"{rng.choice([first, last]).lower().replace(chr(39), '')}{rng.randint(1, 99)}" \
                f"@{rng.choice(DOMAINS)}"  # fmt: skip
        parts.append(f"Write to {email} after 5.")
        secrets.append(email)
        a, b, c = rng.randint(201, 989), rng.randint(200, 999), f"{rng.randint(0, 9999):04d}"
        phone = rng.choice(PHONES).format(a=a, b=b, c=c)
        parts.append(f"Call me on {phone} any day.")
        secrets += [c, f"{a}"]
        n = f"{rng.randint(1000, 999999)}"
        parts.append(f"My {rng.choice(NUMBERS).format(n=n)} is on the roster.")
        secrets.append(n)
        cf, cl = rng.choice(listed)
        parts.append(rng.choice([f"{cf} {cl} got the same email.", f"{cl}, {cf} got it too.",
                                 f"{cf} was told the same."]))  # fmt: skip
        secrets.append(cf)
        boss_first, boss_last = rng.choice(FIRST), rng.choice(LAST)
        parts.append(f"{rng.choice(TITLES)} {boss_first} {boss_last} said it is not optional.")
        secrets += [boss_first, boss_last]
        rng.shuffle(parts)
        yield " ".join(parts), secrets


def test_generated_statements_come_out_without_any_identifier(ctx):
    import random

    rng = random.Random(10)
    chapter = make_chapter()
    member = make_user("member", chapter=chapter, name="Siobhan O'Brien",
                       email="siobhan.ob@example.net")  # fmt: skip
    listed = [("Tremaine", "Okafor"), ("Keiko", "Haddad"), ("Dmitri", "Kowalczyk")]
    for first_name, last_name in listed:
        make_member(chapter, name=f"{last_name}, {first_name}", office="Atlanta Field Office")
    from union.notices.services import load_notice

    notice = load_notice(make_notice(member, statement="x", consent_anonymized_use=True).id)
    context = services.context_of(notice)
    checked = 0
    for text, secrets in _generated_statements(rng, ("Siobhan", "O'Brien"), listed):
        scrubbed = services.scrub(text, context)
        for secret in secrets:
            assert secret.casefold() not in scrubbed.casefold(), (secret, text, scrubbed)
        assert "detailed to ERO for 90 days" in scrubbed, scrubbed
        assert services.identifiers_in(scrubbed, context) == [], scrubbed
        checked += 1
    assert checked == 80


def test_an_office_is_named_only_when_it_has_at_least_the_threshold_of_members(ctx, app):
    threshold = app.config["STATEMENT_MIN_OFFICE_SIZE"]
    chapter = make_chapter()
    member = make_user("member", chapter=chapter)
    for _ in range(threshold - 1):
        make_member(chapter, office="Savannah Resident Office")
    for _ in range(threshold):
        make_member(chapter, office="Dallas Field Office")
    from union.notices.services import load_notice

    story = "I moved from the Savannah Resident Office to the dallas field office last year."
    small = load_notice(make_notice(member, statement=story, consent_anonymized_use=True,
                                    home_office="Savannah Resident Office").id)  # fmt: skip
    text = services.scrub(small.statement, services.context_of(small))
    assert "Savannah" not in text and "[an office of " in text
    assert "dallas field office" in text  # big enough to hide someone
    assert services.office_is_small(small)
    assert "Savannah" not in services.describe(small, services.office_is_small(small))

    big = load_notice(make_notice(member, statement="Told on Friday.",
                                  consent_anonymized_use=True,
                                  home_office="Dallas Field Office").id)  # fmt: skip
    assert not services.office_is_small(big)
    assert "(Dallas Field Office)" in services.describe(big, False)
