"""The rep's digest pages (settings, preview, test digest), the one-click unsubscribe
link, and who may open what."""

from sqlalchemy import select

from tests.factories import login, make_chapter, make_digest_preference, make_notice, make_user
from union.core.audit import AuditEntry
from union.core.outbox import OutboxMessage
from union.digests.models import DigestDelivery, DigestPreference
from union.digests.services import preference_of
from union.extensions import csrf, db


def _settings(**changes):
    data = {
        "frequency": "daily",
        "hour": "7",
        "weekday": "0",
        "timezone": "America/Chicago",
    }
    data.update(changes)
    return data


def test_rep_chooses_a_weekly_digest_and_the_change_is_audited(client, ctx):
    chapter = make_chapter(timezone="America/Denver")
    rep = make_user("rep", chapter=chapter, covers=[chapter])
    login(client, rep)

    page = client.get("/digest").get_data(as_text=True)
    assert "Your digest is off." in page
    assert '<option selected value="America/Denver">' in page  # the chapter's zone

    response = client.post("/digest", data=_settings(
        frequency="weekly", hour="8", weekday="4", send_when_empty="y"))  # fmt: skip
    assert response.status_code == 302
    page = client.get("/digest").get_data(as_text=True)
    assert "Your digest is saved: weekly on Friday at 08:00 (America/Chicago)." in page
    assert "The next one is due Fri" in page

    preference = preference_of(rep)
    assert (preference.frequency, preference.hour, preference.weekday) == ("weekly", 8, 4)
    assert preference.send_when_empty is True
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "digest.preferences")
    ).one()
    assert entry.actor_id == rep.id and entry.object_id == preference.id
    assert entry.details["after"]["frequency"] == "weekly"

    client.post("/digest", data=_settings(frequency="off"))
    db.session.expire_all()
    assert preference_of(rep).frequency == "off"
    assert (
        db.session.scalar(select(db.func.count()).where(AuditEntry.action == "digest.preferences"))
        == 2
    )


def test_a_time_zone_that_is_not_one_is_refused_beside_the_field(client, ctx):
    rep = make_user("rep")
    login(client, rep)
    response = client.post("/digest", data=_settings(timezone="Mars/Olympus_Mons"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="timezone-error"' in page  # said beside the field
    assert preference_of(rep) is None
    response = client.post("/digest", data=_settings(hour="24"))
    assert response.status_code == 200 and preference_of(rep) is None
    assert 'id="hour-error"' in response.get_data(as_text=True)


def test_preview_shows_the_next_digest_as_html_and_as_text(client, ctx):
    chapter = make_chapter("247")
    rep = make_user("rep", covers=[chapter])
    member = make_user("member", chapter=chapter, name="Private Person")
    make_notice(member, confidential=True, statement="SECRET-STATEMENT")
    make_digest_preference(rep, "daily", hour=7)
    login(client, rep)

    response = client.get("/digest/preview")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Subject:</strong> Chapter 247: 1 new notice" in page
    assert 'class="digest-preview"' in page and "<pre" in page
    assert "NEW NOTICES: 1" in page  # the text version
    assert "Private Person" not in page and "SECRET" not in page
    assert ' style="' not in page  # the page's CSP allows no inline style

    eml = client.get("/digest/preview.eml")
    assert eml.mimetype == "message/rfc822"
    assert "attachment" in eml.headers["Content-Disposition"]
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in eml.data


def test_a_test_digest_goes_through_the_outbox_and_is_not_the_periods_digest(client, ctx):
    chapter = make_chapter("247")
    rep = make_user("rep", covers=[chapter])
    make_digest_preference(rep, "daily", hour=7)
    login(client, rep)

    response = client.post("/digest/test")
    assert response.status_code == 302

    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.kind == "digest-test" and message.recipient == rep.email
    assert message.subject.startswith("[Test] Chapter 247:")
    assert message.status == "sent"  # delivered after the request's commit
    assert db.session.scalars(select(DigestDelivery)).all() == []


def test_one_click_unsubscribe_turns_the_digest_off(client, ctx):
    rep = make_user("rep")
    preference = make_digest_preference(rep, "daily", hour=7)
    url = f"/digest/unsubscribe/{preference.unsubscribe_token}"

    # Opening the link (as link checkers and previews do) changes nothing.
    page = client.get(url).get_data(as_text=True)
    assert "Turn off my digest" in page
    db.session.expire_all()
    assert preference_of(rep).frequency == "daily"

    # A mail client's one-click POST (RFC 8058): no session, no form token.
    response = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "Your digest is off." in response.get_data(as_text=True)
    db.session.expire_all()
    assert preference_of(rep).frequency == "off"
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "digest.unsubscribe")
    ).one()
    assert entry.actor_id == rep.id

    assert client.post(url).status_code == 200  # again: already off, still fine
    assert client.get("/digest/unsubscribe/not-a-real-token").status_code == 404
    assert client.post("/digest/unsubscribe/not-a-real-token").status_code == 404


def test_only_the_unsubscribe_link_is_exempt_from_csrf(app):
    assert csrf._exempt_views == {"union.digests.views.unsubscribe"}
    assert not csrf._exempt_blueprints


def test_members_cannot_open_digest_pages_and_reps_cannot_open_the_admin_one(client, ctx):
    member = make_user("member")
    rep = make_user("rep")
    login(client, member)
    for path in ("/digest", "/digest/preview", "/digest/preview.eml", "/admin/digests"):
        assert client.get(path).status_code == 403, path
    assert client.post("/digest/test").status_code == 403
    assert client.post("/digest", data=_settings()).status_code == 403
    assert db.session.scalars(select(DigestPreference)).all() == []
    client.post("/logout")
    login(client, rep)
    assert client.get("/digest").status_code == 200
    assert client.get("/admin/digests").status_code == 403
    client.post("/logout")
    assert client.get("/digest").status_code == 302
