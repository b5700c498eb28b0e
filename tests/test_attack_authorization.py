"""Nobody reaches what is not theirs, by any route the app has.

Built from the app's own URL map: every route, with GET and POST, aimed at the victim's
objects (notice, draft, attachment, case, deadline, member, user, chapter…), tried by
anonymous visitors, a member of another chapter, another member of the same chapter, a
rep of another chapter, a rep of the victim's chapter, an admin and the victim. No GET
changes anything, whoever makes it (CSRF protects only the POSTs). No
response may show a secret its reader is not entitled to (the victim's draft is the
victim's alone, even to admins; reps' notes never reach the member), and no request of
someone without a say may change anything of the victim's. A route added tomorrow is
walked the same way; one with a parameter the walk cannot fill fails with the fix.

Also checked on every response: the security headers and no inline script or style.
"""

import pytest
from sqlalchemy import create_engine

from tests import attack
from tests.attack import ANONYMOUS, ROLES

# Who may change what on a walk: those with no say over the victim's records may change
# nothing of anyone's but their own; the victim's chapter's rep and admins may work the
# case, never touch the victim's draft. The victim's own writes are theirs to make (their
# reach is the read check: reps' notes and the chapter's list stay hidden).
NO_SAY = {ANONYMOUS, "member", "other_member", "rep_b"}
CHAPTER_STAFF = {"rep", "admin"}


@pytest.fixture
def template(backend, databases, tmp_path_factory):
    return attack.template_for(backend, databases, tmp_path_factory)


@pytest.fixture
def world_copy(template, tmp_path):
    yield from attack.copies(template, tmp_path)


def test_every_route_parameter_has_a_resolver(template, world_copy):
    app, _ = world_copy()
    for rule in attack.routes(app):
        attack.route_urls(app, template.world, rule, forged_tokens=True)


@pytest.mark.parametrize("role", ROLES)
def test_no_route_leaks_or_changes_the_victims_records(template, world_copy, role):
    app, url = world_copy()
    world = template.world
    engine = create_engine(url)
    client = attack.logged_in(app, world, role)
    forbidden = world.forbidden_for(role)

    def changed(before, after):
        """What the request(s) between two snapshots changed that ``role`` may not."""
        if role in NO_SAY:
            protected = attack.closure(before, attack.victim_roots(world))
            own = attack.closure(after, {"users": {world.people.get(role)}})
            return [
                *attack.changes(before, after, allowed=own),
                *attack.additions(before, after, protected),
            ]
        if role in CHAPTER_STAFF:
            draft = attack.closure(before, {"notices": {world.ids["draft"]}})
            return [
                *attack.changes(before, after, protected=draft),
                *attack.additions(before, after, draft),
            ]
        return []

    leaks, writes, headers, requests = [], [], [], 0
    before, reads = attack.snapshot(engine), 0
    for endpoint, method, target, data in attack.iter_requests(app, template):
        if method == "POST" and reads:
            # Reads are checked together (a snapshot each would double the time): the
            # diff names the rows, which names the page. A GET changes nothing for anyone,
            # not even for those entitled to: a link on another site can make one.
            after = attack.snapshot(engine)
            writes += [
                f"one of the {reads} GET requests: {c}" for c in attack.any_change(before, after)
            ]
            before, reads = after, 0
        response = client.open(target, method=method, data=data)
        requests += 1
        where = f"{method} {target} ({endpoint}) -> {response.status_code}"
        if response.status_code >= 500:
            writes.append(f"{where}: server error")
        for secret in attack.leaked(response, forbidden):
            leaks.append(f"{where} shows {secret.what}: {secret.text!r}")
        headers += [f"{where}: {problem}" for problem in attack.header_problems(response)]
        if method == "GET":
            reads += 1
            continue
        after = attack.snapshot(engine)
        writes += [f"{where}: {change}" for change in changed(before, after)]
        before = after
        if role != ANONYMOUS and not attack.has_session(client):
            client = attack.logged_in(app, world, role, engine)  # logged out by the walk
            before = attack.snapshot(engine)
    engine.dispose()

    assert requests > 50, "the walk reached suspiciously few routes"
    problems = [
        *(["Pages showed what they must not:", *leaks] if leaks else []),
        *(["Requests changed what they must not:", *writes] if writes else []),
        *(["Responses without their headers:", *headers] if headers else []),
    ]
    assert problems == [], f"as {role}:\n" + "\n".join(problems)
