"""Accounts in a real browser: join a chapter with its invite code, log out, log back in;
a government address is warned about beside the field without losing what was typed."""

import re
from typing import Any

from flask import Flask

from tests.browser.helpers import expect, ui_login, ui_logout
from tests.factories import make_chapter
from union.auth.services import user_by_email

PASSWORD = "a long walk to the union hall"


def _new_chapter(app: Flask) -> tuple[str, str]:
    with app.app_context():
        chapter = make_chapter(name="IRS Criminal Investigation, Denver")
        return chapter.invite_code, chapter.label


def _fill_registration(page: Any, code: str, name: str, email: str) -> None:
    page.get_by_label("Chapter invite code").fill(code)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Personal email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)


def test_join_with_invite_code_then_log_out_and_back_in(
    app: Flask, live_server: str, browser_page: Any
) -> None:
    code, label = _new_chapter(app)
    page = browser_page

    page.goto("/login")
    page.get_by_role("link", name="Join your chapter").first.click()
    expect(page).to_have_url(f"{live_server}/register")
    _fill_registration(page, code.lower(), "Tanya Brooks", "Tanya.Brooks@Example.org")
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("status")).to_contain_text(f"Welcome to {label}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Tanya Brooks")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    with app.app_context():
        user = user_by_email("tanya.brooks@example.org")
        assert user is not None
        assert user.chapter is not None and user.chapter.label == label

    ui_logout(page)
    expect(page.get_by_role("status")).to_contain_text("You are logged out.")
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    page.goto("/")
    expect(page).to_have_url(f"{live_server}/login?next=%2F")

    ui_login(page, "tanya.brooks@example.org", PASSWORD)
    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Tanya Brooks")


def test_government_address_is_flagged_beside_the_field_and_input_is_kept(
    app: Flask, live_server: str, phone_page: Any
) -> None:
    code, label = _new_chapter(app)
    page = phone_page  # members register from their phones

    page.goto(f"/register?code={code}")
    expect(page.get_by_label("Chapter invite code")).to_have_value(code)
    _fill_registration(page, code, "Luis Romero", "luis.romero@irs.gov")
    page.get_by_role("button", name="Create account").click()

    email = page.get_by_label("Personal email")
    error = page.locator("#email-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("This is a government address")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_attribute("aria-describedby", re.compile(r"\bemail-error\b"))
    # Beside the field: right under the input, before the next field.
    field_box, error_box = email.bounding_box(), error.bounding_box()
    assert field_box is not None and error_box is not None
    assert 0 <= error_box["y"] - (field_box["y"] + field_box["height"]) < 80

    # Nothing typed is lost (passwords are never sent back, by design).
    expect(page.get_by_label("Chapter invite code")).to_have_value(code)
    expect(page.get_by_label("Your name")).to_have_value("Luis Romero")
    expect(email).to_have_value("luis.romero@irs.gov")
    with app.app_context():
        assert user_by_email("luis.romero@irs.gov") is None

    # The person may keep the address once they say they understand.
    page.get_by_label("I understand; use this government address anyway").check()
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("status")).to_contain_text(f"Welcome to {label}")
