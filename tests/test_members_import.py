"""Importing a chapter's member list: reading the files people export, mapping columns,
the dry run that names every broken row, and an import that is safe to run again."""

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from tests.factories import make_chapter, make_member
from union.core.audit import AuditEntry
from union.extensions import db
from union.members import imports
from union.members.models import ImportMapping, Member
from union.members.spreadsheets import UnreadableFile, read_sheet

HEADER = "Member No;Full Name;E-mail;Office;Duty Station"


def _csv(*lines: str, encoding: str = "utf-8") -> bytes:
    return "\r\n".join(lines).encode(encoding)


def _members(chapter) -> dict[str, Member]:
    db.session.expire_all()
    return {
        m.member_number: m
        for m in db.session.scalars(select(Member).where(Member.chapter_id == chapter.id))
    }


def _audit_count(action: str | None = None) -> int:
    stmt = select(func.count()).select_from(AuditEntry)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return db.session.scalar(stmt)


def _import(chapter, data: bytes, offices=None, columns=None):
    sheet = read_sheet(data)
    columns = columns or imports.guess_columns(sheet.headers)
    plan = imports.plan_import(chapter, sheet, columns, offices)
    counts = imports.apply_plan(chapter, plan)
    db.session.commit()
    return plan, counts


# -- reading files -------------------------------------------------------------------


def test_csv_with_bom_semicolons_quotes_blank_lines_and_unicode_names():
    data = "\ufeff" + "\r\n".join(
        [
            "",
            HEADER,
            '1001;"Núñez, José";jose@example.net;"Atlanta; Field Office";Atlanta',
            "",
            '1002;"Zoë ""Zo"" Ağaoğlu";  zoe@example.net ;Dallas;',
            ";;;;",
            "1003;Nguyễn Văn An;an@example.net;Dallas;Dallas",
        ]
    )
    sheet = read_sheet(data.encode("utf-8"))
    assert sheet.headers == ["Member No", "Full Name", "E-mail", "Office", "Duty Station"]
    assert [number for number, _ in sheet.rows] == [3, 5, 7]
    assert sheet.rows[0][1][:4] == [
        "1001",
        "Núñez, José",
        "jose@example.net",
        "Atlanta; Field Office",
    ]
    assert sheet.rows[1][1][1:3] == ['Zoë "Zo" Ağaoğlu', "zoe@example.net"]
    assert sheet.rows[1][1][4] == ""


def test_tabs_commas_windows_1252_and_utf16_are_read():
    assert read_sheet(b"id\tname\n1\tAnn\n").rows == [(2, ["1", "Ann"])]
    assert read_sheet(b"id,name\n1,Ann\n").rows == [(2, ["1", "Ann"])]
    old_excel = "id,name\n7,Renée Müller\n".encode("cp1252")
    assert read_sheet(old_excel).rows == [(2, ["7", "Renée Müller"])]
    unicode_text = "id\tname\n8\tŁukasz\n".encode("utf-16")
    assert read_sheet(unicode_text).rows == [(2, ["8", "Łukasz"])]


def test_decomposed_unicode_is_stored_composed():
    sheet = read_sheet("id,name\n1,Jose\u0301\n".encode())
    assert sheet.rows[0][1][1] == "Jos\u00e9"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\n\n  \n", "empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not a member list"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "Save it as .xlsx or CSV"),
        (b"id,name\x00\x01\x02", "not a text file"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(data, message):
    with pytest.raises(UnreadableFile, match=message):
        read_sheet(data)


def test_too_many_rows_are_refused():
    data = _csv("id,name", *(f"{n},Person {n}" for n in range(11)))
    with pytest.raises(UnreadableFile, match="more than 10 rows"):
        read_sheet(data, max_rows=10)


def test_xlsx_first_sheet_numbers_dates_and_unicode():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Member #", "Name", "Personal email", "Joined union"])
    sheet.append([1042, "Ōtsuka Haruki", "haruki@example.net", None])
    sheet.append([None, None, None, None])
    sheet.append([1043.0, "  Amara   Okafor ", "AMARA@Example.NET", 2019])
    buffer = io.BytesIO()
    workbook.save(buffer)
    read = read_sheet(buffer.getvalue(), "list.xlsx")
    assert read.headers == ["Member #", "Name", "Personal email", "Joined union"]
    assert read.rows == [
        (2, ["1042", "Ōtsuka Haruki", "haruki@example.net", ""]),
        (4, ["1043", "Amara Okafor", "AMARA@Example.NET", "2019"]),
    ]


def test_blank_and_repeated_headers_get_names_of_their_own():
    sheet = read_sheet(b"name,,name,id\nA,x,B,1\n")
    assert sheet.headers == ["name", "Column 2", "name (2)", "id"]


# -- mapping -------------------------------------------------------------------------


def test_columns_are_guessed_from_common_names():
    headers = ["Member ID", "First Name", "Last Name", "Personal E-mail", "Cell Phone",
               "Agency", "Field Office", "Duty Location", "Tour of Duty"]  # fmt: skip
    assert imports.guess_columns(headers) == {
        "member_number": "Member ID",
        "first_name": "First Name",
        "last_name": "Last Name",
        "email": "Personal E-mail",
        "phone": "Cell Phone",
        "component": "Agency",
        "office": "Field Office",
        "duty_station": "Duty Location",
        "work_schedule": "Tour of Duty",
    }


def test_the_chapters_remembered_mapping_wins_where_the_file_has_the_column():
    headers = ["No", "Name", "Email", "Home email"]
    remembered = {"member_number": "No", "email": "Home email", "office": "Gone"}
    assert imports.guess_columns(headers, remembered) == {
        "member_number": "No",
        "email": "Home email",
        "name": "Name",
    }


def test_mapping_needs_number_and_name_and_one_field_per_column():
    headers = ["a", "b"]
    problems = imports.mapping_problems({"email": "a", "phone": "a", "office": "z"}, headers)
    assert set(problems) == {"member_number", "name", "phone", "office"}
    assert "already used for Personal email" in problems["phone"]
    assert not imports.mapping_problems({"member_number": "a", "name": "b"}, headers)
    assert not imports.mapping_problems(
        {"member_number": "a", "first_name": "b", "last_name": "b2"}, ["a", "b", "b2"]
    )


# -- the dry run ---------------------------------------------------------------------


BROKEN = _csv(
    "Member No,Full Name,E-mail,Office",
    "1001,Ana Lima,ana@example.net,Atlanta",
    "1002,Ben Cole,not-an-email,Atlanta",
    "1001,Ana Lima,ana@example.net,Atlanta",  # the same row twice
    ",Nameless Number,nn@example.net,Atlanta",
    "1004,,noname@example.net,Atlanta",
    "1005,Cai Wen,ANA@example.net,Atlanta",  # Ana's email again, in capitals
    "1006,Dee Park,dee@example.net,Atlantis",
    "1007,Eve Stone,eve@example.net,atlanta ",
    "",
    "1008,Fay Moss,,",
)


def test_dry_run_names_every_broken_row_and_writes_nothing(ctx):
    chapter = make_chapter()
    sheet = read_sheet(BROKEN)
    plan = imports.plan_import(chapter, sheet, imports.guess_columns(sheet.headers), ["Atlanta"])
    reasons = {error.row: error.reason for error in plan.errors}
    assert reasons == {
        3: "“not-an-email” is not a valid email address.",
        4: "Member number 1001 is already on row 2.",
        5: "No member number.",
        6: "No name.",
        7: "The email ana@example.net is already on row 2.",
        8: "Unknown office “Atlantis”.",
    }
    assert [row["member_number"] for row in plan.creates] == ["1001", "1007", "1008"]
    # The chapter's spelling of a known office is kept; an empty cell stays empty.
    assert plan.creates[1]["office"] == "Atlanta"
    assert plan.creates[2]["email"] is None and plan.creates[2]["office"] is None
    assert plan.counts()["errors"] == 6
    assert _members(chapter) == {}
    assert _audit_count("members.import") == 0


def test_without_known_offices_any_office_is_accepted(ctx):
    chapter = make_chapter()
    sheet = read_sheet(BROKEN)
    plan = imports.plan_import(chapter, sheet, imports.guess_columns(sheet.headers))
    assert "1006" in {row["member_number"] for row in plan.creates}


def test_values_too_long_for_a_field_are_refused(ctx):
    chapter = make_chapter()
    sheet = read_sheet(_csv("id,name", f"{'9' * 40},Long Number", f"2,{'x' * 201}"))
    plan = imports.plan_import(chapter, sheet, {"member_number": "id", "name": "name"})
    assert [e.reason for e in plan.errors] == ["Too long: Member number.", "Too long: Name."]


def test_first_and_last_name_make_the_name(ctx):
    chapter = make_chapter()
    sheet = read_sheet(_csv("id,first,last", "1,Rosa,Parks"))
    plan = imports.plan_import(
        chapter, sheet, {"member_number": "id", "first_name": "first", "last_name": "last"}
    )
    assert plan.creates[0]["name"] == "Rosa Parks"


def test_government_addresses_are_taken_with_a_warning(ctx):
    chapter = make_chapter()
    sheet = read_sheet(_csv("id,name,email", "1,Al Gore,al.gore@irs.gov"))
    plan = imports.plan_import(chapter, sheet, imports.guess_columns(sheet.headers))
    assert len(plan.creates) == 1
    assert "invitations are not sent" in plan.warnings[0].reason


# -- importing -----------------------------------------------------------------------


GOOD = _csv(
    "Member No,Full Name,E-mail,Office,Phone",
    "1001,Ana Lima,ana@example.net,Atlanta,404-555-0101",
    "1002,Ben Cole,ben@example.net,Atlanta,",
    "1003,Cai Wen,,Dallas,214-555-0103",
)


def test_import_creates_exactly_the_good_rows_and_again_changes_nothing(ctx):
    chapter = make_chapter()
    plan, counts = _import(chapter, BROKEN, offices=["Atlanta"])
    assert counts["created"] == 3 and counts["errors"] == 6
    members = _members(chapter)
    assert sorted(members) == ["1001", "1007", "1008"]
    assert members["1001"].email == "ana@example.net" and members["1001"].name == "Ana Lima"
    assert _audit_count("members.import") == 1
    stamps = {n: m.updated_at for n, m in members.items()}
    audit_before = _audit_count()

    again, counts = _import(chapter, BROKEN, offices=["Atlanta"])
    assert counts["created"] == counts["updated"] == counts["flagged_missing"] == 0
    assert counts["unchanged"] == 3
    assert _audit_count() == audit_before  # nothing changed, nothing to record
    assert {n: m.updated_at for n, m in _members(chapter).items()} == stamps


def test_changed_rows_update_only_what_differs_and_blank_cells_keep_values(ctx):
    chapter = make_chapter()
    _import(chapter, GOOD)
    changed = _csv(
        "Member No,Full Name,E-mail,Office,Phone",
        "1001,Ana Lima,ana.lima@example.net,Atlanta,",  # new email; phone left blank
        "1002,Ben Cole,ben@example.net,Atlanta,",
        "1003,Cai Wen,,Houston,214-555-0103",
    )
    plan, counts = _import(chapter, changed)
    assert (counts["created"], counts["updated"], counts["unchanged"]) == (0, 2, 1)
    members = _members(chapter)
    assert members["1001"].email == "ana.lima@example.net"
    assert members["1001"].phone == "404-555-0101"  # a blank cell erased nothing
    assert members["1003"].office == "Houston"
    entry = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "member.import_update", AuditEntry.object_id == members["1001"].id
        )
    )
    assert entry.object_type == "Member"
    assert entry.details["changed"] == {"email": ["ana@example.net", "ana.lima@example.net"]}


def test_members_missing_from_a_new_file_are_flagged_never_deleted(ctx):
    chapter = make_chapter()
    _import(chapter, GOOD)
    plan, counts = _import(chapter, _csv("Member No,Full Name", "1001,Ana Lima"))
    assert counts["flagged_missing"] == 2
    members = _members(chapter)
    assert len(members) == 3
    assert [n for n, m in sorted(members.items()) if m.missing] == ["1002", "1003"]
    assert members["1002"].missing_since is not None
    assert _audit_count("member.flag_missing") == 2

    # Flagged members stay flagged (not again) until a list names them once more.
    _, counts = _import(chapter, _csv("Member No,Full Name", "1001,Ana Lima"))
    assert counts["flagged_missing"] == 0 and counts["unchanged"] == 1
    _, counts = _import(chapter, GOOD)
    assert counts["updated"] == 2 and counts["back_on_list"] == 2
    assert not any(m.missing or m.missing_since for m in _members(chapter).values())


def test_a_refused_row_does_not_make_its_member_missing(ctx):
    chapter = make_chapter()
    _import(chapter, GOOD)
    _, counts = _import(
        chapter,
        _csv("Member No,Full Name,E-mail", "1001,Ana Lima,bad@", "1002,Ben Cole,", "1003,Cai Wen,"),
    )
    assert counts["errors"] == 1 and counts["flagged_missing"] == 0


def test_two_members_may_swap_emails_in_one_file(ctx):
    chapter = make_chapter()
    _import(chapter, GOOD)
    swapped = _csv(
        "Member No,Full Name,E-mail",
        "1001,Ana Lima,ben@example.net",
        "1002,Ben Cole,ana@example.net",
        "1003,Cai Wen,",
    )
    plan, counts = _import(chapter, swapped)
    assert counts["updated"] == 2 and counts["errors"] == 0
    members = _members(chapter)
    assert (members["1001"].email, members["1002"].email) == ("ben@example.net", "ana@example.net")


def test_an_email_another_member_keeps_is_refused(ctx):
    chapter = make_chapter()
    _import(chapter, GOOD)
    taken = _csv(
        "Member No,Full Name,E-mail", "1003,Cai Wen,ana@example.net", "1004,Dan Roe,ben@example.net"
    )
    sheet = read_sheet(taken)
    plan = imports.plan_import(chapter, sheet, imports.guess_columns(sheet.headers))
    assert sorted(e.reason for e in plan.errors) == [
        "The email ana@example.net belongs to member 1001.",
        "The email ben@example.net belongs to member 1002.",
    ]
    assert not plan.creates and not plan.updates


def test_member_numbers_match_without_case_or_spaces(ctx):
    chapter = make_chapter()
    make_member(chapter, "AB-77", name="Ana Lima", email="ana@example.net")
    sheet = read_sheet(_csv("id,name,email", " ab-77 ,Ana Lima,ANA@EXAMPLE.NET"))
    plan = imports.plan_import(chapter, sheet, imports.guess_columns(sheet.headers))
    assert plan.unchanged == 1 and not plan.creates and not plan.updates


def test_members_of_other_chapters_are_untouched(ctx):
    chapter, other = make_chapter(), make_chapter()
    make_member(other, "1001", name="Someone Else", email="ana@example.net")
    _, counts = _import(chapter, GOOD)
    assert counts["created"] == 3  # the same number and email in another chapter is fine
    assert _members(other)["1001"].name == "Someone Else"
    assert not _members(other)["1001"].missing


def test_the_mapping_is_remembered_for_the_chapter(ctx):
    chapter = make_chapter()
    imports.remember_mapping(chapter, {"member_number": "No", "name": "Who"}, ["Atlanta"])
    db.session.commit()
    imports.remember_mapping(chapter, {"member_number": "No", "name": "Who"}, ["Atlanta"])
    db.session.commit()
    mapping = db.session.get(ImportMapping, chapter.id)
    assert mapping.columns == {"member_number": "No", "name": "Who"}
    assert mapping.known_offices == ["Atlanta"]
    assert _audit_count("members.import_mapping") == 1  # saving it unchanged is no news
