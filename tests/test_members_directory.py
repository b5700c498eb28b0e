"""Reps search and filter their chapter's members, open one, and correct their details;
members never see the directory, and reps of other chapters cannot find it."""

import re
from typing import Any

import pytest
from sqlalchemy import select

from tests.factories import login, make_chapter, make_member, make_user
from union.core.audit import AuditEntry
from union.core.time import utcnow
from union.extensions import db
from union.members.models import Member


@pytest.fixture
def chapter(ctx):
    return make_chapter("247")


@pytest.fixture
def rep(chapter):
    return make_user("rep", covers=[chapter], email="steward@example.org")


def _fill(chapter, count: int, prefix: str = "Bulk") -> None:
    db.session.add_all(
        Member(
            chapter_id=chapter.id,
            member_number=f"{prefix}{n:04d}",
            name=f"{prefix} {n:04d}",
            email=f"{prefix.lower()}{n}@example.net",
            office=f"Office {n % 3}",
            component="IRS-CI" if n % 2 else "IRS",
        )  # fmt: skip
        for n in range(count)
    )
    db.session.commit()


def test_members_never_see_the_directory(client, chapter):
    member_user = make_user(chapter=chapter)
    listed = make_member(chapter)
    login(client, member_user)
    for url in ("/members", f"/members/chapters/{chapter.id}", f"/members/{listed.id}",
                f"/members/{listed.id}/edit", "/members/verification"):  # fmt: skip
        assert client.get(url).status_code == 403, url
    assert "Members</a>" not in client.get("/").get_data(as_text=True)


def test_reps_of_other_chapters_get_not_found(client, chapter):
    listed = make_member(chapter)
    login(client, make_user("rep", covers=[make_chapter()]))
    for url in (f"/members/chapters/{chapter.id}", f"/members/{listed.id}",
                f"/members/{listed.id}/edit"):  # fmt: skip
        assert client.get(url).status_code == 404, url
    response = client.post(f"/members/{listed.id}/edit", data={"name": "Hijacked"})
    assert response.status_code == 404
    db.session.refresh(listed)
    assert listed.name != "Hijacked"


def test_a_rep_of_one_chapter_lands_on_its_directory_and_admins_choose(client, chapter, rep):
    login(client, rep)
    response = client.get("/members")
    assert response.headers["Location"].endswith(f"/members/chapters/{chapter.id}")
    client.post("/logout")
    login(client, make_user("admin"))
    page = client.get("/members").get_data(as_text=True)
    assert f"/members/chapters/{chapter.id}" in page
    assert client.get(f"/members/chapters/{chapter.id}").status_code == 200


def test_directory_searches_filters_and_pages(client, chapter, rep):
    _fill(chapter, 60)
    joined_user = make_user(chapter=chapter)
    make_member(chapter, "J-1", name="Rosa 100% Parks", email="rosa@example.net",
                user_id=joined_user.id, joined_at=utcnow(), office="Atlanta")  # fmt: skip
    make_member(chapter, "I-1", name="Ida Wells", invited_at=utcnow(), invitation_count=1)
    make_member(chapter, "X-1", name="Gone Away", missing=True, missing_since=utcnow())
    make_member(make_chapter(), "Z-1", name="Other Chapter Person")
    login(client, rep)
    url = f"/members/chapters/{chapter.id}"

    first = client.get(url).get_data(as_text=True)
    assert "Showing 1–50 of 63 members." in first
    assert "63 on the list; 1 joined; 1 invited; 1 missing" in first
    assert "Other Chapter Person" not in first
    assert "Showing 51–63 of 63" in client.get(f"{url}?page=2").get_data(as_text=True)

    def found(query: str) -> str:
        return client.get(f"{url}?{query}").get_data(as_text=True)

    assert "of 1 members" in found("q=ROSA@") and "Rosa 100% Parks" in found("q=ROSA@")
    assert "of 1 members" in found("q=100%25")  # a percent sign is a character
    assert "of 1 members" in found("q=bulk0042")
    assert "of 1 members" in found("q=j-1")
    assert "of 20 members" in found("office=Office+1")
    assert "of 30 members" in found("component=IRS-CI")
    assert "of 10 members" in found("office=Office+1&component=IRS-CI")
    assert "of 1 members" in found("status=joined") and "Rosa" in found("status=joined")
    assert "Ida Wells" in found("status=invited") and "of 1 members" in found("status=invited")
    assert "of 1 members" in found("status=missing") and "Gone Away" in found("status=missing")
    assert "of 62 members" in found("status=not_joined")
    assert "of 61 members" in found("status=not_invited")
    odd = client.get(f"{url}?status=weird&office=nowhere&page=zz")
    assert odd.status_code == 200 and "of 63 members" in odd.get_data(as_text=True)


def test_directory_costs_the_same_queries_for_5_or_60_members(
    client, chapter, rep, count_queries: Any
):
    _fill(chapter, 5, "Few")
    login(client, rep)
    url = f"/members/chapters/{chapter.id}?office=Office+1"
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _fill(chapter, 55, "More")
    for member in db.session.scalars(select(Member).limit(20)):
        member.user_id = make_user(chapter=chapter).id
    db.session.commit()
    with count_queries() as many:
        html = client.get(url).get_data(as_text=True)
    assert "of 20 members" in html
    assert many.count == few.count


def test_member_page_shows_details_and_account_status(client, chapter, rep):
    account = make_user(chapter=chapter, email="ana.account@example.org")
    listed = make_member(chapter, "1001", name="Ana Lima", email="ana@example.net",
                         phone="404-555-0101", office="Atlanta", user_id=account.id,
                         joined_at=utcnow())  # fmt: skip
    login(client, rep)
    page = client.get(f"/members/{listed.id}").get_data(as_text=True)
    for text in ("Ana Lima", "1001", "ana@example.net", "404-555-0101", "Atlanta",
                 "ana.account@example.org", "Verified", "Never"):  # fmt: skip
        assert text in page, text
    not_joined = make_member(chapter, email="someone@uscis.dhs.gov")
    page = client.get(f"/members/{not_joined.id}").get_data(as_text=True)
    assert "No account yet." in page and "only a work (.gov/.mil) address" in page


def test_rep_corrects_a_members_details_and_it_is_audited(client, chapter, rep):
    listed = make_member(chapter, "1001", name="Ana Lima", email="ana@example.net")
    make_member(chapter, "1002", name="Ben Cole", email="ben@example.net")
    login(client, rep)
    form = {"member_number": "1001", "name": "Ana  Lima-Souza", "email": "Ana.Souza@Example.net",
            "phone": "", "component": "", "office": "Dallas", "duty_station": "",
            "work_schedule": "5-4/9"}  # fmt: skip
    response = client.post(f"/members/{listed.id}/edit", data=form)
    assert response.status_code == 302
    db.session.refresh(listed)
    assert (listed.name, listed.email, listed.office) == (
        "Ana Lima-Souza",
        "ana.souza@example.net",
        "Dallas",
    )
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "member.update"))
    assert entry.actor_id == rep.id
    assert entry.details["changed"]["office"] == [None, "Dallas"]

    page = client.post(
        f"/members/{listed.id}/edit",
        data={**form, "member_number": "1002", "email": "ben@example.net"},
    ).get_data(as_text=True)
    assert "Member number 1002 is already Ben Cole&#39;s." in page
    assert "Personal email ben@example.net is already Ben Cole&#39;s." in page
    page = client.post(f"/members/{listed.id}/edit", data={**form, "email": "nope"}).get_data(
        as_text=True
    )
    assert "Enter an email address like name@example.org." in page
    follow = client.post(f"/members/{listed.id}/edit", data=form, follow_redirects=True)
    assert "Nothing changed." in follow.get_data(as_text=True)


def test_member_page_lists_the_notices_they_reported(client, chapter, rep):
    from tests.factories import make_notice

    account = make_user(chapter=chapter)
    listed = make_member(chapter, user_id=account.id, joined_at=utcnow())
    notice = make_notice(account)
    make_notice(account, submit=False)  # a draft is the member's alone
    login(client, rep)
    page = client.get(f"/members/{listed.id}").get_data(as_text=True)
    assert f"/notices/{notice.id}" in page
    assert len(re.findall(r"/notices/\d+", page)) == 1
    from union.cases.models import Case

    assert db.session.get(Case, notice.case_id).reference in page
