"""The ``union`` command: create-user and demo-data."""

from sqlalchemy import func, select

from tests.factories import make_chapter
from union.auth.models import User
from union.chapters.models import Chapter
from union.core.audit import AuditEntry
from union.extensions import db


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_user_makes_a_rep_covering_chapters(runner, ctx):
    make_chapter("247")
    make_chapter("88")
    result = runner.invoke(
        args=["create-user", "--email", "Rep@Example.org", "--name", "Pat Steward", "--role",
              "rep", "--covers", "247", "--covers", "88", "--password", "long enough phrase"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "rep@example.org"))
    assert user.role == "rep"
    assert sorted(c.number for c in user.covered_chapters) == ["247", "88"]
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.create"))


def test_create_user_refuses_an_unknown_chapter(runner, ctx):
    result = runner.invoke(
        args=["create-user", "--email", "m@example.org", "--name", "M", "--chapter", "999",
              "--password", "long enough phrase"],
    )  # fmt: skip
    assert result.exit_code != 0
    assert "there is no chapter 999" in result.output


def test_demo_data_is_idempotent_and_prints_the_logins(runner, ctx):
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0, first.output
    assert "admin@example.org" in first.output and "steward247@example.org" in first.output
    counts = (_count(User), _count(Chapter))
    second = runner.invoke(args=["demo-data"])
    assert second.exit_code == 0, second.output
    assert (_count(User), _count(Chapter)) == counts
    assert counts[0] >= 9 and counts[1] >= 4


def test_demo_logins_work(runner, client, ctx):
    from union.demo import DEMO_PASSWORD

    runner.invoke(args=["demo-data"])
    for email in ("admin@example.org", "steward247@example.org", "tanya.brooks@example.org"):
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        client.post("/logout")
