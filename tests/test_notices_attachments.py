"""Attachments: the memo, email or screenshot a member was sent. The type is read from the
content, files live only in the upload folder under random names, and a transaction that
does not commit leaves no file behind."""

import io
import re

import pytest

from tests.factories import (
    EML_BYTES,
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    login,
    make_chapter,
    make_user,
)
from union.extensions import db
from union.notices import services, storage
from union.notices.models import Attachment, Notice

EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 300


@pytest.fixture
def uploads(tmp_path):
    return tmp_path / "uploads"


@pytest.fixture
def app_config(uploads):
    return {"UPLOAD_FOLDER": str(uploads), "ATTACHMENT_MAX_BYTES": 4096, "ATTACHMENT_MAX_COUNT": 3}


@pytest.fixture
def member(ctx):
    return make_user(chapter=make_chapter())


def _save_draft(client, files, url="/notices/new", **data):
    payload = {"kind": "detail", "save_draft": "Save draft", **data}
    payload["attachments"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(url, data=payload, content_type="multipart/form-data")


def _attachments():
    db.session.expire_all()
    return list(db.session.scalars(db.select(Attachment).order_by(Attachment.id)))


def _errors(page):
    found = re.search(r'<div id="attachments-error" class="field-error">(.*?)</div>', page, re.S)
    return found.group(1) if found else ""


ACCEPTED = {
    "pdf": ("Memo.pdf", PDF_BYTES, "application/pdf"),
    "png": ("Screenshot.PNG", PNG_BYTES, "image/png"),
    "jpeg": ("photo of the memo.jpeg", JPEG_BYTES, "image/jpeg"),
    "jpg": ("photo.jpg", JPEG_BYTES, "image/jpeg"),
    "text": ("what they said.txt", "Told at 4pm: “report Monday”. 東京\n".encode(), "text/plain"),
    "email": ("Fwd availability.eml", EML_BYTES, "message/rfc822"),
}


@pytest.mark.parametrize(("name", "content", "content_type"), ACCEPTED.values(), ids=ACCEPTED)
def test_each_accepted_type_is_kept_under_a_random_name_in_the_upload_folder(
    client, ctx, member, uploads, name, content, content_type
):
    login(client, member)
    response = _save_draft(client, [(name, content)])
    assert response.status_code == 302
    [attachment] = _attachments()
    assert attachment.filename == name and attachment.content_type == content_type
    assert attachment.size == len(content)
    assert re.fullmatch(r"[0-9a-f]{32}", attachment.stored_name)
    [stored] = list(uploads.iterdir())
    assert stored.name == attachment.stored_name and stored.read_bytes() == content
    assert stored.stat().st_mode & 0o777 == 0o600


REFUSED = {
    "program named pdf": (
        "memo.pdf", EXE_BYTES, "memo.pdf is named like a PDF but its content is something else"
    ),
    "png named pdf": (
        "memo.pdf", PNG_BYTES, "memo.pdf is named like a PDF but its content is a PNG image"
    ),
    "pdf named png": (
        "shot.png", PDF_BYTES, "shot.png is named like a PNG image but its content is a PDF"
    ),
    "text without headers named eml": ("mail.eml", b"just words\n", "it has no email headers"),
    "binary named txt": ("notes.txt", b"\xff\xfe\x81junk", "notes.txt is named like plain text"),
    "text with nul bytes": ("notes.txt", b"abc\x00def", "notes.txt is named like plain text"),
    "word document": ("memo.docx", b"PK\x03\x04" + b"\x00" * 99, "memo.docx: we take only PDF"),
    "no extension": ("memo", PDF_BYTES, "memo: we take only PDF, PNG"),
    "empty": ("memo.pdf", b"", "memo.pdf is empty."),
    "too large": ("big.pdf", PDF_BYTES + b"0" * 5000, "big.pdf is larger than 4 KB, the limit"),
}  # fmt: skip


@pytest.mark.parametrize(("name", "content", "message"), REFUSED.values(), ids=REFUSED)
def test_disguised_empty_or_oversize_files_are_refused_with_the_reason(
    client, ctx, member, uploads, name, content, message
):
    login(client, member)
    response = _save_draft(
        client, [(name, content), ("good.pdf", PDF_BYTES)], statement="Keep this text."
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in _errors(page).replace("&#39;", "'")
    assert "Keep this text.</textarea>" in page
    # The good file of the same post is kept, and only it reaches the disk.
    assert [a.filename for a in _attachments()] == ["good.pdf"]
    assert len(list(uploads.iterdir())) == 1


def test_a_notice_holds_a_limited_number_of_files(client, ctx, member):
    login(client, member)
    files = [(f"memo{n}.pdf", PDF_BYTES) for n in range(1, 5)]
    page = _save_draft(client, files).get_data(as_text=True)
    assert "memo4.pdf was not added: a notice can have at most 3 attachments." in page
    assert [a.filename for a in _attachments()] == ["memo1.pdf", "memo2.pdf", "memo3.pdf"]


def test_file_names_are_cleaned_for_display_and_never_used_on_disk(client, ctx, member, uploads):
    login(client, member)
    # Browsers send a bare name; a hand-made request may send anything.
    names = ["../../etc/passwd.txt", "scans/Mémo 東京.pdf", "\u202eFDP.exe.txt"]
    contents = [b"root:x:0:0\n", PDF_BYTES, b"hello\n"]
    _save_draft(client, list(zip(names, contents, strict=True)))
    assert [a.filename for a in _attachments()] == ["passwd.txt", "Mémo 東京.pdf", "FDP.exe.txt"]
    on_disk = sorted(p.name for p in uploads.iterdir())
    assert on_disk == sorted(a.stored_name for a in _attachments())
    assert all(re.fullmatch(r"[0-9a-f]{32}", name) for name in on_disk)
    assert not (uploads.parent / "etc").exists()


def test_a_download_is_an_attachment_of_the_sniffed_type_that_browsers_will_not_sniff(
    client, ctx, member
):
    login(client, member)
    _save_draft(client, [("Mémo d’affectation.pdf", PDF_BYTES)])
    [attachment] = _attachments()
    response = client.get(f"/notices/{attachment.notice_id}/attachments/{attachment.id}")
    assert response.status_code == 200
    assert response.data == PDF_BYTES
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''M%C3%A9mo%20d%E2%80%99affectation.pdf" in disposition
    assert "no-store" in response.headers["Cache-Control"]
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_files_of_a_transaction_that_does_not_commit_are_removed(ctx, member, uploads):
    notice = services.new_draft(member)
    services.save_draft(notice, {"kind": "detail"}, actor=member)
    db.session.commit()
    notice = services.load_notice(notice.id)
    upload = _FileUpload("memo.pdf", PDF_BYTES)
    assert services.add_attachments(notice, [upload], actor=member) == []
    assert len(list(uploads.iterdir())) == 1
    db.session.rollback()
    assert list(uploads.iterdir()) == []
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0


def test_a_removed_file_stays_on_disk_until_the_removal_commits(ctx, member, uploads):
    notice = services.new_draft(member)
    services.save_draft(notice, {"kind": "detail"}, actor=member)
    services.add_attachments(notice, [_FileUpload("memo.pdf", PDF_BYTES)], actor=member)
    db.session.commit()
    notice = services.load_notice(notice.id)
    [attachment] = notice.attachments

    services.remove_attachment(notice, attachment.id, actor=member)
    db.session.rollback()
    assert [p.name for p in uploads.iterdir()] == [attachment.stored_name]

    notice = services.load_notice(notice.id)
    services.remove_attachment(notice, attachment.id, actor=member)
    db.session.commit()
    assert list(uploads.iterdir()) == []
    assert db.session.get(Notice, notice.id) is not None


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF_BYTES, "application/pdf"),
        (PNG_BYTES, "image/png"),
        (JPEG_BYTES, "image/jpeg"),
        (EXE_BYTES, "application/x-msdownload"),
        ("plain words, ünïcödé".encode(), "text/plain"),
        ("\ufeffwith a byte order mark".encode(), "text/plain"),
        (b"\xc3\x28 not utf-8", None),
        (b"nul \x00 inside", None),
    ],
)
def test_sniffing_reads_the_content(content, expected):
    assert storage.sniff(content) == expected


def test_an_email_needs_its_headers_to_count_as_one():
    assert storage.sniff(EML_BYTES, "message/rfc822") == "message/rfc822"
    assert storage.sniff(b"From: a@b.example\n\nno subject or date", "message/rfc822") == (
        "text/plain"
    )


def test_request_larger_than_the_server_reads_gets_a_page_that_says_what_to_do(
    client, ctx, member, app
):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    login(client, member)
    response = _save_draft(client, [("big.pdf", PDF_BYTES + b"0" * 4000)])
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Those files are too large together" in page and "Back button" in page
    assert _attachments() == []


class _FileUpload:
    """What the service reads of a werkzeug FileStorage."""

    def __init__(self, filename: str, content: bytes) -> None:
        self.filename = filename
        self.stream = io.BytesIO(content)
