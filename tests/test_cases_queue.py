"""The case queue: what a rep's chapters have, filtered in the URL, sorted, paged, with
counts per status at a glance, saved views, due work standing out, and a page that costs
the same number of queries for 5 cases or 60."""

from datetime import timedelta

import pytest

from tests.factories import case_of, login, make_chapter, make_notice, make_user
from union.cases import services
from union.cases.models import CaseStatus
from union.cases.queue import CaseFilter, Viewer, status_counts
from union.chapters.models import Agency
from union.core.time import local_time, utcnow
from union.deadlines import services as deadline_services
from union.extensions import db


@pytest.fixture
def chapter(ctx):
    return make_chapter("247", name="IRS-CI Atlanta")


@pytest.fixture
def rep(chapter):
    return make_user("rep", covers=[chapter], name="Marcus Bell")


def _today(chapter):
    return local_time(utcnow(), chapter.timezone).date()


def _case(chapter, **answers):
    return case_of(make_notice(make_user(chapter=chapter), **answers))


def _refs(client, query=""):
    import re

    page = client.get(f"/cases/?{query}").get_data(as_text=True)
    return re.findall(r'<a href="/cases/\d+">(C-\d{4}-\d{5})</a>', page)


def _agency(code):
    return db.session.scalar(db.select(Agency).where(Agency.code == code))


def _due_in(case, days):
    """Close the proposed deadlines and set one due in ``days`` (negative: overdue)."""
    from union.deadlines.models import Deadline

    for deadline in db.session.scalars(db.select(Deadline).where(Deadline.case_id == case.id)):
        deadline_services.close_deadline(deadline)
    deadline_services.add_deadline(
        case, kind="custom", title="Test", due_on=_today(case.chapter) + timedelta(days=days)
    )
    db.session.commit()


def test_the_queue_filters_by_what_the_notices_say(client, ctx, chapter, rep):
    hsi = _agency("ICE-HSI")
    detail = _case(chapter, kind="detail", receiving_unit="ERO Atlanta")
    task_force = _case(chapter, kind="task_force", receiving_agency=str(hsi.id),
                       receiving_unit="HSI Savannah")  # fmt: skip
    contract = _case(chapter, kind="tdy", training_status="complete", training_gaps=[],
                     pay_items=["overtime"], outside_position_description="yes")  # fmt: skip
    usms = _agency("USMS")
    from_usms = _case(chapter, home_agency_id=str(usms.id), training_status="complete",
                      training_gaps=[], pay_items=["overtime"])  # fmt: skip
    # Trained, they say, yet they name training that is missing: a training concern.
    gap_only = _case(chapter, kind="tdy", training_status="complete",
                     training_gaps=["firearms"], pay_items=["overtime"])  # fmt: skip
    login(client, rep)

    everyone = {detail.reference, task_force.reference, contract.reference,
                from_usms.reference, gap_only.reference}  # fmt: skip
    assert set(_refs(client)) == everyone
    assert _refs(client, "kind=task_force") == [task_force.reference]
    assert _refs(client, f"receiving={hsi.id}") == [task_force.reference]
    assert _refs(client, f"home={usms.id}") == [from_usms.reference]
    training = {detail.reference, task_force.reference, gap_only.reference}
    assert set(_refs(client, "concern=training")) == training
    # The counts at a glance (asked another way than the page's rows) agree with them.
    page = client.get("/cases/?concern=training").get_data(as_text=True)
    assert "New: <strong>3</strong>" in page
    assert _refs(client, "kind=tdy&concern=training") == [gap_only.reference]
    assert _refs(client, "concern=contract") == [contract.reference]
    assert set(_refs(client, "concern=pay")) == {detail.reference, task_force.reference}
    assert _refs(client, "concern=safety") == []
    assert _refs(client, "kind=tdy&concern=contract") == [contract.reference]


def test_the_queue_filters_by_status_assignment_and_chapter(client, ctx, chapter, rep):
    other_chapter = make_chapter("88")
    rep.covered_chapters.append(other_chapter)
    colleague = make_user("rep", covers=[chapter], name="Rosa Delgado")
    mine, theirs, nobodys, triaged = (_case(chapter) for _ in range(4))
    elsewhere = _case(other_chapter)
    services.assign_case(mine, rep, actor=rep)
    services.assign_case(theirs, colleague, actor=rep)
    services.change_status(triaged, "triaged", actor=rep)
    services.change_status(elsewhere, "withdrawn", actor=rep)
    db.session.commit()
    login(client, rep)

    assert _refs(client, "assigned=mine") == [mine.reference]
    assert _refs(client, f"assigned={colleague.id}") == [theirs.reference]
    assert set(_refs(client, "assigned=unassigned")) == {nobodys.reference, triaged.reference}
    assert _refs(client, "status=triaged") == [triaged.reference]
    assert elsewhere.reference not in _refs(client)  # withdrawn is not open
    assert _refs(client, "status=withdrawn") == [elsewhere.reference]
    assert len(_refs(client, "status=all")) == 5
    assert _refs(client, f"status=all&chapter={other_chapter.id}") == [elsewhere.reference]
    page = client.get("/cases/").get_data(as_text=True)
    assert '<th scope="col">Chapter</th>' in page  # two chapters: the column says which


def test_the_queue_searches_references_units_and_statements(client, ctx, chapter, rep):
    atlanta = _case(chapter, receiving_unit="ERO Atlanta", statement="Told by email.")
    percent = _case(chapter, receiving_unit="Fugitive Ops", statement="We got 100% of it.")
    under = _case(chapter, receiving_unit="Docket_Unit", statement="Nothing to add.")
    login(client, rep)
    assert _refs(client, "q=ero+atlanta") == [atlanta.reference]
    assert _refs(client, "q=BY+EMAIL") == [atlanta.reference]
    assert _refs(client, "q=%25") == [percent.reference]  # a literal %
    assert _refs(client, "q=_") == [under.reference]  # a literal _
    assert _refs(client, f"q={under.reference.lower()}") == [under.reference]


def test_the_queue_filters_by_opening_date(client, ctx, chapter, rep):
    case = _case(chapter)
    today = _today(chapter)
    login(client, rep)
    assert _refs(client, f"opened_from={today}") == [case.reference]
    assert _refs(client, f"opened_to={today - timedelta(days=1)}") == []
    assert _refs(client, f"opened_from={today}&opened_to={today}") == [case.reference]
    page = client.get("/cases/?opened_from=someday").get_data(as_text=True)
    assert "Enter a date like 2026-03-15" in page and case.reference in page


def test_overdue_and_soon_due_work_stands_out_in_words_not_colour_alone(client, ctx, chapter, rep):
    overdue, red, amber, later = (_case(chapter) for _ in range(4))
    _due_in(overdue, -2)
    _due_in(red, 3)
    _due_in(amber, 7)
    _due_in(later, 20)
    login(client, rep)
    assert set(_refs(client, "due=overdue")) == {overdue.reference}
    assert set(_refs(client, "due=week")) == {red.reference, amber.reference}
    assert set(_refs(client, "due=attention")) == {overdue.reference, red.reference,
                                                     amber.reference}  # fmt: skip
    assert _refs(client, "sort=due") == [overdue.reference, red.reference, amber.reference,
                                         later.reference]  # fmt: skip
    page = client.get("/cases/?sort=due").get_data(as_text=True)
    assert 'class="case-row row-overdue"' in page and "Overdue by 2 days" in page
    assert 'class="case-row row-red"' in page and "Urgent: 3 days left" in page
    assert 'class="case-row row-amber"' in page and "Due soon: 7 days left" in page
    assert "20 days left" in page


def test_sorting(client, ctx, chapter, rep):
    first, second, third = (_case(chapter) for _ in range(3))
    services.set_priority(second, "urgent", actor=rep)
    services.set_priority(first, "high", actor=rep)
    db.session.commit()
    services.add_comment(third, "Latest", reply=False, actor=rep)
    db.session.commit()
    login(client, rep)
    assert _refs(client) == [third.reference, second.reference, first.reference]
    assert _refs(client, "sort=oldest") == [first.reference, second.reference, third.reference]
    assert _refs(client, "sort=priority")[:2] == [second.reference, first.reference]
    assert _refs(client, "sort=activity")[0] == third.reference


def test_counts_per_status_come_from_one_grouped_query(app, ctx, chapter, rep, count_queries):
    cases = [_case(chapter) for _ in range(4)]
    services.change_status(cases[0], "triaged", actor=rep)
    services.change_status(cases[1], "withdrawn", actor=rep)
    db.session.commit()
    viewer = Viewer.of(rep)
    with app.app_context(), count_queries() as counter:
        counts = status_counts(viewer, CaseFilter(status="triaged"))
    assert counter.count == 1, counter.statements
    assert counts["new"] == 2 and counts["triaged"] == 1 and counts["withdrawn"] == 1


def test_the_queue_shows_the_counts_and_keeps_the_filter_in_its_links(client, ctx, chapter, rep):
    for _ in range(3):
        _case(chapter, kind="task_force")
    _case(chapter, kind="detail")
    login(client, rep)
    page = client.get("/cases/?kind=task_force&sort=oldest").get_data(as_text=True)
    assert "New: <strong>3</strong>" in page
    assert 'href="/cases/?kind=task_force&amp;sort=oldest&amp;status=triaged"' in page


def test_a_page_holds_50_and_the_pager_keeps_the_filter(client, ctx, chapter, rep):
    for _ in range(52):
        _case(chapter, kind="detail")
    login(client, rep)
    assert len(_refs(client, "kind=detail")) == 50
    page = client.get("/cases/?kind=detail").get_data(as_text=True)
    assert "Showing 1–50 of 52 cases." in page
    assert 'href="/cases/?page=2&amp;kind=detail"' in page
    assert len(_refs(client, "kind=detail&page=2")) == 2


def test_the_queue_costs_the_same_queries_for_5_cases_or_60(
    client, ctx, chapter, rep, count_queries
):
    colleague = make_user("rep", covers=[chapter])
    for n in range(5):
        case = _case(chapter, receiving_unit=f"Unit {n}")
        services.assign_case(case, colleague if n % 2 else rep, actor=rep)
    db.session.commit()
    login(client, rep)
    with count_queries() as few:
        assert client.get("/cases/?sort=due").status_code == 200
    for n in range(55):
        case = _case(chapter, receiving_unit=f"Unit {n}", kind="task_force")
        if n % 3 == 0:
            services.link_notices(case, [make_notice(make_user(chapter=chapter))], actor=rep)
        services.assign_case(case, colleague if n % 2 else rep, actor=rep)
        db.session.commit()
    with count_queries() as many:
        page = client.get("/cases/?sort=due").get_data(as_text=True)
    assert "Showing 1–50 of" in page
    assert many.count == few.count, many.statements
    print(f"queue page: {few.count} queries for 5 cases, {many.count} for 60")


def test_a_rep_saves_names_and_deletes_a_view(client, ctx, chapter, rep):
    case = _case(chapter, kind="task_force")
    login(client, rep)
    response = client.post(
        "/cases/views",
        data={"view-name": "Task forces, oldest", "view-query": "kind=task_force&sort=oldest&x=1"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/cases/?kind=task_force&sort=oldest"
    page = client.get("/cases/").get_data(as_text=True)
    assert '<a href="/cases/?kind=task_force&amp;sort=oldest">Task forces, oldest</a>' in page
    assert case.reference in _refs(client, "kind=task_force&sort=oldest")

    client.post("/cases/views", data={"view-name": "Task forces, oldest",
                                      "view-query": "kind=task_force"})  # fmt: skip
    page = client.get("/cases/").get_data(as_text=True)
    assert page.count("Task forces, oldest</a>") == 1
    assert '<a href="/cases/?kind=task_force">Task forces, oldest</a>' in page

    from union.cases.models import SavedView

    view = db.session.scalars(db.select(SavedView)).one()
    client.post(f"/cases/views/{view.id}/delete")
    assert "Task forces, oldest</a>" not in client.get("/cases/").get_data(as_text=True)
    assert "None yet." in client.get("/cases/").get_data(as_text=True)


def test_a_view_without_a_name_is_not_saved(client, ctx, rep):
    login(client, rep)
    client.post("/cases/views", data={"view-name": "", "view-query": "status=new"})
    assert "Give the view a name." in client.get("/cases/?status=new").get_data(as_text=True)


def test_the_rep_s_start_page_counts_their_open_work(client, ctx, chapter, rep):
    mine, other, overdue = (_case(chapter) for _ in range(3))
    services.assign_case(mine, rep, actor=rep)
    services.change_status(other, "triaged", actor=rep)
    db.session.commit()
    _due_in(overdue, -1)
    login(client, rep)
    page = client.get("/").get_data(as_text=True)
    assert "<strong>3</strong> open cases" in page
    assert "<strong>2</strong> new, not triaged yet" in page
    assert "<strong>2</strong> with nobody assigned" in page
    assert "<strong>1</strong> assigned to you" in page
    assert "<strong>1</strong> overdue" in page
    assert 'href="/cases/"' in page


def test_a_view_named_only_with_spaces_is_not_saved(client, ctx, rep):
    login(client, rep)
    response = client.post("/cases/views", data={"view-name": "   ", "view-query": ""})
    assert response.status_code == 302
    assert "Give the view a name." in client.get("/cases/").get_data(as_text=True)


def test_the_queue_filter_ignores_ids_no_row_can_have(client, ctx, chapter, rep):
    case = _case(chapter)
    login(client, rep)
    for query in (f"assigned={2**40}", f"chapter={2**40}", "home=²", f"receiving={2**40}"):
        response = client.get(f"/cases/?{query}")
        assert response.status_code == 200, query
    assert _refs(client, f"home={2**40}") == [case.reference]  # an invalid choice: no filter
    assert CaseFilter(assigned=str(2**40)).args() == {"assigned": str(2**40)}
    viewer = Viewer.of(rep)
    from union.cases.queue import queue_query

    assert db.session.execute(queue_query(viewer, CaseFilter(assigned=str(2**40)))).all() == []


@pytest.mark.parametrize("query", ["", "sort=due", "status=all&kind=detail", "q=ero"])
def test_a_filter_names_no_error_for_what_it_leaves_out(client, ctx, rep, query):
    login(client, rep)
    page = client.get(f"/cases/?{query}").get_data(as_text=True)
    assert "Not a valid choice" not in page and "field-error" not in page


def test_a_collective_case_names_each_destination_once(client, ctx, chapter, rep):
    case = _case(chapter, receiving_unit="ERO Atlanta")
    other = make_notice(make_user(chapter=chapter), receiving_unit=" ero atlanta")
    services.link_notices(case, [other], actor=rep)
    db.session.commit()
    login(client, rep)
    page = client.get("/cases/").get_data(as_text=True)
    assert page.count("DHS/ICE-ERO, ERO Atlanta") == 1 and "ero atlanta" not in page


@pytest.mark.parametrize(
    ("status", "listed"), [("", 3), ("status=all", 5), ("status=closed", 2), ("status=new", 3)]
)
def test_the_total_counts_the_cases_the_status_filter_lists(
    client, ctx, chapter, rep, status, listed
):
    cases = [_case(chapter, kind="detail") for _ in range(5)]
    for case in cases[:2]:
        services.set_status(case, CaseStatus.CLOSED, actor=rep)
    db.session.commit()
    login(client, rep)
    page = client.get(f"/cases/?{status}").get_data(as_text=True)
    assert len(_refs(client, status)) == listed
    assert f"Showing 1–{listed} of {listed} cases." in page
