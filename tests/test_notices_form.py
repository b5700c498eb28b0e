"""A member reports a notice through the form: everything they enter is kept, bad input
is answered beside the field, and submitting opens a case and sends a receipt."""

import io
import re
from datetime import timedelta

import pytest

from tests.factories import (
    EML_BYTES,
    PDF_BYTES,
    login,
    make_chapter,
    make_user,
    notice_answers,
)
from union.cases.models import Case, CaseEvent
from union.core.audit import AuditEntry
from union.core.time import local_time, utcnow
from union.extensions import db
from union.notices.models import Attachment, Notice, NoticeStatus
from union.notices.services import load_notice


@pytest.fixture
def uploads(tmp_path):
    return tmp_path / "uploads"


@pytest.fixture
def app_config(smtp_config, uploads):
    return {**smtp_config, "UPLOAD_FOLDER": str(uploads)}


@pytest.fixture
def member(ctx):
    return make_user(chapter=make_chapter("247"), name="Tanya Brooks", email="tanya@example.org")


def _post(client, data, url="/notices/new", files=None):
    payload = dict(data)
    if files is not None:
        payload["attachments"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(url, data=payload, content_type="multipart/form-data")


def _submit(client, data, url="/notices/new", files=None):
    return _post(client, {**data, "submit": "Submit notice"}, url, files)


def _save_draft(client, data, url="/notices/new", files=None):
    return _post(client, {**data, "save_draft": "Save draft"}, url, files)


def _notices():
    """Every notice, fresh from the database, with what the checks look at."""
    db.session.expire_all()
    ids = db.session.scalars(db.select(Notice.id).order_by(Notice.id))
    return [load_notice(notice_id) for notice_id in ids]


def _is_checked(page, name, value):
    """Whether the page has the radio button or checkbox ``name``=``value`` ticked."""
    inputs = re.findall(r"<input [^>]*>", page)
    return any(
        " checked" in tag and f'name="{name}"' in tag and f'value="{value}"' in tag
        for tag in inputs
    )


def _today(member):
    return local_time(utcnow(), member.chapter.timezone).date()


EVERY_CONCERN = {
    "kind": "task_force",
    "willingness": "directed",
    "how_told": "memo",
    "home_office": "Atlanta Field Office",
    "receiving_unit": "Fugitive Operations",
    "duties": ["arrests", "transport", "detention", "other"],
    "duties_other": "Guarding the processing room",
    "expected_length": "90 days, maybe longer",
    "duty_location": "Stewart Detention Center, Lumpkin GA",
    "travel": "yes",
    "relocation": "no",
    "remote_to_onsite": "yes",
    "coworkers_count": "14",
    "training_status": "promised",
    "training_gaps": ["use_of_force", "firearms", "arrest_procedure", "immigration_law"],
    "training_other": "Vehicle extraction",
    "pay_items": ["overtime", "travel"],
    "contract_articles": "Article 9, Article 47",
    "union_notified_before": "no",
    "telework_affected": "yes",
    "outside_position_description": "yes",
    "safety_health": "No vests issued in my size.",
    "personal_hardship": "Two hours from my children's school.",
    "statement": "Told on Friday at 4pm that Monday I report to ERO.\nNo training dates.",
    "consent_contact": "y",
    "consent_anonymized_use": "y",
    "confidential": "y",
}


def test_member_files_a_notice_with_two_attachments_and_every_concern(
    client, ctx, member, smtp_server
):
    login(client, member)
    response = _submit(
        client,
        notice_answers(member, **EVERY_CONCERN),
        files=[("Detail memo.pdf", PDF_BYTES), ("Forwarded email.eml", EML_BYTES)],
    )

    [notice] = _notices()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/notices/{notice.id}"
    case = db.session.get(Case, notice.case_id)
    assert notice.status == NoticeStatus.SUBMITTED and notice.submitted_at is not None
    assert re.fullmatch(rf"C-{_today(member).year}-\d{{5}}", case.reference)
    assert case.status == "new" and case.chapter_id == member.chapter_id
    assert notice.member_id == member.id and notice.chapter_id == member.chapter_id

    assert (notice.kind, notice.willingness, notice.how_told) == ("task_force", "directed", "memo")
    assert notice.receiving_agency.code == "ICE-ERO" and notice.receiving_agency_other is None
    assert [d.value for d in notice.duties] == ["arrests", "transport", "detention", "other"]
    assert notice.duties_other == "Guarding the processing room"
    assert notice.coworkers_count == 14 and notice.travel == "yes" and notice.relocation == "no"
    assert [g.value for g in notice.training_gaps] == [
        "use_of_force", "firearms", "arrest_procedure", "immigration_law"
    ]  # fmt: skip
    assert [p.value for p in notice.pay_items] == ["overtime", "travel"]
    assert notice.telework_affected == "yes" and notice.union_notified_before == "no"
    assert notice.statement == EVERY_CONCERN["statement"]
    assert notice.consent_contact and notice.consent_anonymized_use and notice.confidential
    assert {(a.filename, a.content_type) for a in notice.attachments} == {
        ("Detail memo.pdf", "application/pdf"),
        ("Forwarded email.eml", "message/rfc822"),
    }

    actions = list(db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-6:] == [
        "notice.create_draft", "notice.attach", "notice.attach", "case.open", "notice.submit",
        "deadline.created",  # the grievance window, from the chapter's policy
    ]  # fmt: skip
    [opened, proposed] = db.session.scalars(
        db.select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    )
    assert opened.kind == "opened" and opened.visible_to_member
    assert proposed.kind == "deadline" and not proposed.visible_to_member

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Your notice is submitted. Its reference is {case.reference}" in page
    assert "Case: New" in page and "Detail memo.pdf" in page and "Forwarded email.eml" in page
    assert "Vehicle extraction" in page and "Stewart Detention Center" in page

    mine = client.get("/notices/").get_data(as_text=True)
    assert case.reference in mine and "Case: New" in mine
    assert len(smtp_server.messages) == 1


def test_receipt_carries_reference_and_link_but_none_of_the_members_words(
    client, ctx, member, smtp_server
):
    login(client, member)
    _submit(client, notice_answers(member, **EVERY_CONCERN))
    [notice] = _notices()
    reference = db.session.get(Case, notice.case_id).reference

    [message] = smtp_server.messages
    assert message["To"] == "tanya@example.org"
    assert message["Subject"] == f"Your notice is received: {reference}"
    assert message["Message-ID"] == f"<notice-receipt.{notice.id}@steward.test>"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        assert reference in body and "New" in body
        assert f"http://steward.test/notices/{notice.id}" in body
        for typed in EVERY_CONCERN.values():
            if isinstance(typed, str) and len(typed) > 3:
                assert typed.split("\n")[0] not in body
        assert "Fugitive Operations" not in body and "ICE-ERO" not in body


def test_a_draft_is_saved_half_done_and_submitted_later(client, ctx, member, smtp_server):
    login(client, member)
    response = _save_draft(
        client,
        {
            "kind": "tdy",
            "statement": "Started writing this on the bus.",
            "ends_on": "2026-01-01",
            "starts_on": "2026-02-01",
        },  # fmt: skip
        files=[("memo.pdf", PDF_BYTES)],
    )
    [draft] = _notices()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/notices/{draft.id}/edit"
    assert draft.status == "draft" and draft.case_id is None and len(draft.attachments) == 1
    assert smtp_server.messages == []

    page = client.get(f"/notices/{draft.id}/edit").get_data(as_text=True)
    assert "Started writing this on the bus." in page
    assert _is_checked(page, "kind", "tdy")
    assert "memo.pdf" in page and "Files kept with this draft" in page
    assert "Draft: not sent yet" in client.get("/notices/").get_data(as_text=True)

    # The end date before the start date was fine in a draft; submitting asks to fix it.
    answers = notice_answers(member, kind="tdy", statement="Started writing this on the bus.")
    answers.update(starts_on="2026-02-01", ends_on="2026-01-01")
    page = _submit(client, answers, url=f"/notices/{draft.id}/edit").get_data(as_text=True)
    assert "The end date is before the start date." in page

    response = _submit(client, notice_answers(member, kind="tdy"), url=f"/notices/{draft.id}/edit")
    assert response.status_code == 302
    [notice] = _notices()
    assert notice.id == draft.id and notice.status == "submitted" and len(notice.attachments) == 1
    assert len(smtp_server.messages) == 1


def test_a_submitted_notice_cannot_be_edited_or_submitted_again(client, ctx, member, smtp_server):
    login(client, member)
    _submit(client, notice_answers(member))
    [notice] = _notices()
    assert client.get(f"/notices/{notice.id}/edit").status_code == 403
    again = _submit(client, notice_answers(member), url=f"/notices/{notice.id}/edit")
    assert again.status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 1
    assert len(smtp_server.messages) == 1


def test_the_form_is_in_labelled_sections_with_the_agency_catalogue(client, ctx, member):
    login(client, member)
    page = client.get("/notices/new").get_data(as_text=True)
    for legend in ("1. What happened", "2. Where from and where to", "3. Duties", "4. Dates",
                   "5. Place", "6. Your concerns", "7. The memo, email or screenshot",
                   "8. In your own words", "9. Confidentiality"):  # fmt: skip
        assert f"<legend><h2>{legend}</h2></legend>" in page
    assert 'enctype="multipart/form-data"' in page
    assert "DHS/ICE-ERO — ICE Enforcement and Removal Operations" in page
    assert '<option value="other">Other (type it below)</option>' in page
    # The member's own component is chosen for them.
    assert f'<option selected value="{member.chapter.agency_id}">' in page
    assert "<script" not in page and "style=" not in page


# -- bad input: a clear message beside the field, nothing lost --------------------------


def _later(member, days):
    return (_today(member) + timedelta(days=days)).isoformat()


BAD_INPUT = {
    "missing kind": ({"kind": ""}, "kind", "Choose what you were told."),
    "missing date told": ({"notified_on": ""}, "notified_on", "Enter the date you were told."),
    "missing receiving component": (
        {"receiving_agency": ""}, "receiving_agency", "Choose the component you are sent to."
    ),
    "other component not named": (
        {"receiving_agency": "other"}, "receiving_agency", "choose “Other” and type its name"
    ),
    "no duties": ({"duties": []}, "duties", "Tick at least one duty."),
    "other duty unnamed": (
        {"duties": ["other"]}, "duties_other", "Say in a few words what the other duties are."
    ),
    "end before start": (
        {"starts_on": "+10", "ends_on": "+5"}, "ends_on", "The end date is before the start date."
    ),
    "date years off": (
        {"starts_on": "+2200"}, "starts_on", "The start date is more than 5 years from today"
    ),
    "told in the future": (
        {"notified_on": "+2", "reply_by": "+3"}, "notified_on", "cannot be in the future"
    ),
    "reply-by before told": (
        {"notified_on": "-3", "reply_by": "-5"}, "reply_by", "before the date you were told"
    ),
    "not a date": ({"starts_on": "31/02/2026"}, "starts_on", "Enter a date like 2026-03-15"),
    "statement too long": (
        {"statement": "é" * 20001}, "statement", "Use at most 20,000 characters: this has 20,001"
    ),
    "office too long": ({"home_office": "x" * 201}, "home_office", "Use at most 200 characters"),
    "negative coworkers": ({"coworkers_count": "-1"}, "coworkers_count", "from 0 to 100,000"),
    "coworkers in words": ({"coworkers_count": "a dozen"}, "coworkers_count", "a whole number"),
    "nothing extra and overtime": (
        {"pay_items": ["none_offered", "overtime"]}, "pay_items", "cannot go with other pay"
    ),
    "not an option": ({"kind": "holiday"}, "kind", "Not a valid choice"),
}  # fmt: skip


@pytest.mark.parametrize(("change", "field", "message"), BAD_INPUT.values(), ids=BAD_INPUT)
def test_bad_input_is_explained_beside_the_field_and_nothing_typed_is_lost(
    client, ctx, member, smtp_server, change, field, message
):
    change = {
        k: _later(member, int(v)) if isinstance(v, str) and v[:1] in "+-" and v[1:].isdigit() else v
        for k, v in change.items()
    }
    answers = notice_answers(
        member, home_office="Oficina 東京 — “quoted”", statement="Keep every word & <this>."
    )
    answers.update(change)
    login(client, member)
    response = _submit(client, answers, files=[("memo.pdf", PDF_BYTES)])
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "Not submitted yet" in page
    error = re.search(rf'<small id="{field}-error" class="field-error">(.*?)</small>', page, re.S)
    assert error is not None, f"no error beside {field}"
    assert message in error.group(1).replace("&#34;", '"')
    assert f'href="#{field}"' in page  # the summary links to the field
    if field != "home_office":
        assert 'value="Oficina 東京 — “quoted”"' in page
    if field != "statement":
        assert "Keep every word &amp; &lt;this&gt;.</textarea>" in page
    assert "memo.pdf" in page and "Files kept with this draft" in page

    [draft] = _notices()
    assert draft.status == "draft" and draft.case_id is None
    assert [a.filename for a in draft.attachments] == ["memo.pdf"]
    assert smtp_server.messages == []


def test_an_empty_form_submitted_asks_for_the_required_answers_and_saves_nothing(
    client, ctx, member
):
    login(client, member)
    page = _submit(client, {"home_agency_id": str(member.chapter.agency_id)}).get_data(as_text=True)
    for message in ("Choose what you were told.", "Choose how you were told.",
                    "Enter the date you were told.", "Tick at least one duty.",
                    "Choose what training you were given."):  # fmt: skip
        assert message in page
    assert _notices() == []


def test_saving_an_empty_new_form_says_there_is_nothing_to_save(client, ctx, member):
    login(client, member)
    blank = {"home_agency_id": str(member.chapter.agency_id)}
    for response in (_save_draft(client, blank), client.post("/notices/new", data={})):
        assert response.status_code == 200
        assert "There is nothing to save yet" in response.get_data(as_text=True)
    assert _notices() == []


def test_html_and_script_are_stored_as_typed_and_shown_escaped(client, ctx, member):
    typed = '<script>alert("x")</script> <img src=x onerror=alert(1)> & </textarea>'
    login(client, member)
    _submit(client, notice_answers(member, statement=typed, home_office="<b>Bold</b> office"))
    [notice] = _notices()
    assert notice.statement == typed and notice.home_office == "<b>Bold</b> office"

    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>Bold" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "&lt;b&gt;Bold&lt;/b&gt; office" in page


def test_any_unicode_is_kept_and_control_characters_are_dropped(client, ctx, member):
    statement = "Zażółć gęślą jaźń · 東京 · مرحبا · 👮🏽‍♀️ · e\u0301 · \u202eevil\u202c\r\nNext line"
    login(client, member)
    response = _submit(
        client,
        notice_answers(member, statement=statement + "\x00\x07", duty_location="Añasco, PR 🇵🇷"),
    )
    assert response.status_code == 302
    [notice] = _notices()
    assert notice.statement == statement.replace("\r\n", "\n")
    assert notice.duty_location == "Añasco, PR 🇵🇷"
    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert "Zażółć gęślą jaźń · 東京 · مرحبا · 👮🏽‍♀️" in page


def test_a_refused_file_keeps_the_good_ones_and_the_typed_answers(client, ctx, member):
    login(client, member)
    answers = notice_answers(member, statement="My words stay.")
    response = _submit(
        client,
        answers,
        files=[("memo.pdf", PDF_BYTES), ("invoice.pdf", b"MZ\x90\x00" + b"\x00" * 400)],
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "invoice.pdf is named like a PDF but its content is something else" in page
    assert "My words stay.</textarea>" in page
    [draft] = _notices()
    assert [a.filename for a in draft.attachments] == ["memo.pdf"]

    # The browser cannot re-fill a file input; the kept file goes along without it.
    response = _submit(client, answers, url=f"/notices/{draft.id}/edit")
    assert response.status_code == 302
    [notice] = _notices()
    assert notice.status == "submitted" and [a.filename for a in notice.attachments] == ["memo.pdf"]


def test_a_kept_file_can_be_taken_off_the_draft(client, ctx, member, uploads):
    login(client, member)
    _save_draft(client, {"kind": "detail"}, files=[("a.pdf", PDF_BYTES), ("b.eml", EML_BYTES)])
    [draft] = _notices()
    first, second = draft.attachments
    stored = uploads / first.stored_name
    assert stored.is_file()

    _save_draft(client, {"kind": "detail", "remove_attachment": str(first.id)},
                url=f"/notices/{draft.id}/edit")  # fmt: skip
    [draft] = _notices()
    assert [a.id for a in draft.attachments] == [second.id]
    assert not stored.exists() and (uploads / second.stored_name).is_file()
    assert "notice.detach" in set(db.session.scalars(db.select(AuditEntry.action)))


def test_a_draft_can_be_deleted_with_its_files(client, ctx, member, uploads):
    login(client, member)
    _save_draft(client, {"kind": "detail"}, files=[("a.pdf", PDF_BYTES)])
    [draft] = _notices()
    assert len(list(uploads.iterdir())) == 1
    page = client.get(f"/notices/{draft.id}/discard").get_data(as_text=True)
    assert "Delete this draft?" in page
    response = client.post(f"/notices/{draft.id}/discard", data={"discard": "Delete this draft"})
    assert response.status_code == 302
    assert _notices() == [] and list(uploads.iterdir()) == []
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0
