"""What happens in the generated union: members report notices, reps work them as cases
(assignment, statuses, notes and replies, actions, deadlines set, extended and closed),
management sends roster requests that members answer, and every rep takes a daily digest.

Each case's story follows its age: recent cases are mostly open, old ones mostly closed;
about one case in a hundred has a long timeline (the case page's hard case). Values come
from the app's own vocabularies, so every page and filter finds what it expects.
"""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from union.cases.models import CaseActionKind, CaseEventKind, CasePriority, CaseStatus
from union.deadlines.calendar import count_days
from union.deadlines.models import ChangeKind, DeadlineKind
from union.notices.models import (
    Answer,
    Channel,
    Duty,
    NoticeKind,
    NoticeStatus,
    PayItem,
    Question,
    TrainingGap,
    TrainingStatus,
    UpdateKind,
    Willingness,
)
from union.scale import HISTORY_DAYS, ChapterInfo, World, words
from union.scale.bulk import BulkWriter

REPLY_BY_KINDS = {NoticeKind.AVAILABILITY_SOLICITATION, NoticeKind.ROSTER_NOMINATION}
KIND_WEIGHTS = {
    NoticeKind.DETAIL: 22, NoticeKind.TDY: 14, NoticeKind.TASK_FORCE: 14,
    NoticeKind.DEPUTIZATION: 8, NoticeKind.COLLATERAL_DUTY: 10,
    NoticeKind.PERMANENT_REASSIGNMENT: 4, NoticeKind.AVAILABILITY_SOLICITATION: 14,
    NoticeKind.ROSTER_NOMINATION: 14,
}  # fmt: skip
DUTY_WEIGHTS = {
    Duty.ARRESTS: 30, Duty.TRANSPORT: 25, Duty.DETENTION: 20, Duty.DOCKETS: 10,
    Duty.INVESTIGATIONS: 8, Duty.CONTRACT_OVERSIGHT: 3, Duty.ADMINISTRATIVE: 3, Duty.OTHER: 1,
}  # fmt: skip
OPEN_WEIGHTS = {
    CaseStatus.NEW: 25, CaseStatus.TRIAGED: 25, CaseStatus.IN_PROGRESS: 30, CaseStatus.WAITING: 20,
}  # fmt: skip
PATHS = {
    CaseStatus.NEW: [],
    CaseStatus.TRIAGED: [CaseStatus.TRIAGED],
    CaseStatus.IN_PROGRESS: [CaseStatus.TRIAGED, CaseStatus.IN_PROGRESS],
    CaseStatus.WAITING: [CaseStatus.TRIAGED, CaseStatus.IN_PROGRESS, CaseStatus.WAITING],
    CaseStatus.RESOLVED: [CaseStatus.TRIAGED, CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED],
    CaseStatus.CLOSED: [
        CaseStatus.TRIAGED, CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED, CaseStatus.CLOSED,
    ],
    CaseStatus.WITHDRAWN: [CaseStatus.WITHDRAWN],
}  # fmt: skip
ACTION_WEIGHTS = {
    CaseActionKind.INFORMATION_REQUEST: 35, CaseActionKind.GRIEVANCE: 25,
    CaseActionKind.MEETING: 20, CaseActionKind.BARGAINING_DEMAND: 10,
    CaseActionKind.REFERRAL: 10,
}  # fmt: skip


def _pick(rng: Any, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _maybe(rng: Any, share: float, value: Any) -> Any:
    return value if rng.random() < share else None


def _answer(rng: Any, no: int = 40, yes: int = 30, unsure: int = 15) -> str | None:
    return _pick(
        rng, {Answer.NO.value: no, Answer.YES.value: yes, Answer.UNSURE.value: unsure, None: 15}
    )


class CaseMaker:
    """Makes case ``i`` of N (cases are made oldest first, so references count up)."""

    def __init__(self, world: World, writer: BulkWriter) -> None:
        self.world = world
        self.writer = writer
        self.rng = world.rng
        self.start = world.now - timedelta(days=HISTORY_DAYS)
        self.counters: dict[int, int] = self._counters()
        self._due_cache: dict[tuple[date, int, str, str], tuple[date, str]] = {}
        self._notices_of: dict[int, int] = defaultdict(int)

    def _counters(self) -> dict[int, int]:
        table = self.writer.tables["case_reference_counters"]
        rows = self.writer.conn.execute(table.select()).all()
        return {row.year: row.last_number for row in rows}

    def save_counters(self) -> None:
        rows = [{"year": year, "last_number": n} for year, n in sorted(self.counters.items())]
        self.writer.upsert("case_reference_counters", rows, "year", "last_number")

    # -- a case ------------------------------------------------------------------------

    def add_case(self, i: int) -> None:
        rng, world, w = self.rng, self.world, self.writer
        span = world.now - self.start
        created = self.start + span * ((i + rng.random()) / world.sizes.cases)
        chapter = world.chapter()
        final = self._final_status(created)
        case_id = w.new_id("cases")
        year = created.year
        self.counters[year] = self.counters.get(year, 0) + 1
        reference = f"C-{year}-{self.counters[year]:05d}"

        # When the work stopped: closed cases after weeks or months; open ones at some
        # point since they were opened (some have been idle for a while).
        age = world.now - created
        if final.is_open:
            end = created + age * rng.uniform(0.3, 1.0)
        else:
            end = min(world.now, created + timedelta(days=rng.uniform(5, 200)))
        events: list[dict[str, Any]] = []

        # The notices: one, or several for a collective case.
        members = chapter.members
        count = 1 if rng.random() > 0.04 else rng.randint(2, 6)
        picked = rng.sample(members, k=min(count, len(members)))
        first = self._notice_values(chapter, created)
        notices = []
        for n, (user_id, _row) in enumerate(picked):
            at = created if n == 0 else min(end, created + timedelta(hours=rng.uniform(1, 120)))
            notice_id = self._add_notice(chapter, user_id, case_id, at, first, final)
            notices.append((notice_id, user_id))
        member_id = notices[0][1]
        events.append(self._event(case_id, created, member_id, CaseEventKind.OPENED, True))

        rep_id, rep_name = rng.choice(chapter.reps) if chapter.reps else (world.admin_id, "")
        assigned = rng.random() < (0.3 if final == CaseStatus.NEW else 0.85)
        path = PATHS[final]
        moments = sorted(created + (end - created) * rng.random() for _ in range(len(path) + 2))
        if assigned:
            events.append(
                self._event(
                    case_id,
                    moments[0],
                    rep_id,
                    CaseEventKind.ASSIGNED,
                    False,
                    from_rep_id=None,
                    from_name=None,
                    to_rep_id=rep_id,
                    to_name=rep_name,
                )
            )
        before = CaseStatus.NEW
        status_at: dict[CaseStatus, datetime] = {}
        for status, at in zip(path, moments[1:], strict=False):
            kind = (
                CaseEventKind.WITHDRAWN
                if status == CaseStatus.WITHDRAWN
                else CaseEventKind.STATUS_CHANGED
            )
            actor = member_id if status == CaseStatus.WITHDRAWN else rep_id
            events.append(
                self._event(
                    case_id,
                    at,
                    actor,
                    kind,
                    True,
                    before=before.value,
                    after=status.value,
                    notice_id=notices[0][0] if kind == CaseEventKind.WITHDRAWN else None,
                )
            )
            status_at[status] = at
            before = status
        priority = _pick(
            rng,
            {
                CasePriority.NORMAL: 60,
                CasePriority.HIGH: 20,
                CasePriority.LOW: 10,
                CasePriority.URGENT: 10,
            },
        )
        if priority != CasePriority.NORMAL and path:
            events.append(
                self._event(
                    case_id,
                    moments[-1],
                    rep_id,
                    CaseEventKind.PRIORITY_CHANGED,
                    False,
                    before=CasePriority.NORMAL.value,
                    after=priority.value,
                )
            )
        closed_at = end if not final.is_open else None

        deadlines = self._grievance_and_reply(chapter, case_id, created, member_id, first)
        if CaseStatus.IN_PROGRESS in status_at and rng.random() < 0.4:
            deadlines += self._action(
                chapter, case_id, rep_id, status_at[CaseStatus.IN_PROGRESS], end, events
            )
        for deadline in deadlines:
            self._settle(case_id, deadline, closed_at, rep_id, events)

        # Notes and replies; about one case in a hundred is a long story.
        talk = rng.randint(0, 3) + (rng.randint(40, 120) if rng.random() < 0.01 else 0)
        for _ in range(talk):
            at = created + (end - created) * rng.random()
            if rng.random() < 0.6:
                events.append(
                    self._event(
                        case_id, at, rep_id, CaseEventKind.NOTE, False, body=rng.choice(words.NOTES)
                    )
                )
            else:
                events.append(
                    self._event(
                        case_id,
                        at,
                        rep_id,
                        CaseEventKind.REPLY,
                        True,
                        body=rng.choice(words.REPLIES),
                    )
                )
        if rng.random() < 0.15:
            at = created + (end - created) * rng.random()
            events.append(
                self._event(
                    case_id,
                    at,
                    member_id,
                    CaseEventKind.MEMBER_UPDATE,
                    True,
                    body=rng.choice(words.UPDATES),
                    notice_id=notices[0][0],
                    update=rng.choice(list(UpdateKind)).value,
                    new_date=None,
                )
            )

        events.sort(key=lambda e: e["at"])
        for event in events:
            event["id"] = w.new_id("case_events")
            w.add("case_events", **event)
        w.add(
            "cases",
            id=case_id,
            reference=reference,
            chapter_id=chapter.id,
            status=final.value,
            priority=priority.value,
            assigned_rep_id=rep_id if assigned else None,
            created_at=created,
            updated_at=events[-1]["at"],
            version=len(events),
        )

    def _final_status(self, created: datetime) -> CaseStatus:
        age = (self.world.now - created).days
        if age > 180:
            shares = {
                "open": 15,
                CaseStatus.CLOSED: 55,
                CaseStatus.RESOLVED: 25,
                CaseStatus.WITHDRAWN: 5,
            }
        elif age > 30:
            shares = {
                "open": 55,
                CaseStatus.CLOSED: 25,
                CaseStatus.RESOLVED: 15,
                CaseStatus.WITHDRAWN: 5,
            }
        else:
            shares = {"open": 92, CaseStatus.RESOLVED: 5, CaseStatus.WITHDRAWN: 3}
        final = _pick(self.rng, shares)
        if final != "open":
            return final  # type: ignore[no-any-return]
        weights = dict(OPEN_WEIGHTS)
        if age > 30:
            weights[CaseStatus.NEW] = 3  # few cases sit untouched for a month
        return _pick(self.rng, weights)  # type: ignore[no-any-return]

    @staticmethod
    def _event(
        case_id: int,
        at: datetime,
        actor_id: int | None,
        kind: CaseEventKind,
        visible: bool,
        body: str | None = None,
        notice_id: int | None = None,
        **details: Any,
    ) -> dict[str, Any]:
        return {
            "case_id": case_id,
            "at": at,
            "actor_id": actor_id,
            "kind": kind.value,
            "notice_id": notice_id,
            "visible_to_member": visible,
            "body": body,
            "details": details,
        }

    # -- notices -----------------------------------------------------------------------

    def _notice_values(self, chapter: ChapterInfo, created: datetime) -> dict[str, Any]:
        """What a notice says; the notices of a collective case say much the same."""
        rng = self.rng
        kind = _pick(rng, KIND_WEIGHTS)
        city, state, _zone = (
            (chapter.city, chapter.state, None) if rng.random() < 0.6 else rng.choice(words.CITIES)
        )
        notified = (created - timedelta(days=rng.randint(0, 10))).date()
        starts = _maybe(rng, 0.7, notified + timedelta(days=rng.randint(3, 30)))
        ends = (
            starts + timedelta(days=rng.randint(30, 120)) if starts and rng.random() < 0.5 else None
        )
        code = rng.choices(*zip(*words.RECEIVING_COMPONENTS, strict=True))[0]
        training = _pick(
            rng,
            {
                TrainingStatus.NONE: 40,
                TrainingStatus.PROMISED: 20,
                TrainingStatus.PARTIAL: 25,
                TrainingStatus.COMPLETE: 15,
            },
        )
        return {
            "kind": kind.value,
            "willingness": _pick(
                rng, {Willingness.DIRECTED: 60, Willingness.VOLUNTARY: 25, Willingness.UNCLEAR: 15}
            ).value,
            "how_told": _pick(
                rng,
                {
                    Channel.EMAIL: 50,
                    Channel.MEMO: 15,
                    Channel.MEETING: 20,
                    Channel.PHONE: 5,
                    Channel.TEXT: 5,
                    Channel.OTHER: 5,
                },
            ).value,
            "home_agency_id": chapter.agency_id,
            "home_office": chapter.office,
            "receiving_agency_id": self.world.agencies.get(code),
            "receiving_agency_other": None,
            "receiving_unit": rng.choice(words.UNITS).format(city=city, state=state),
            "notified_on": notified,
            "starts_on": starts,
            "ends_on": ends,
            "expected_length": None if ends else _maybe(rng, 0.5, "90 days"),
            "reply_by": (
                notified + timedelta(days=rng.randint(2, 10)) if kind in REPLY_BY_KINDS else None
            ),
            "duty_location": f"{city}, {state}",
            "travel": _answer(rng, 40, 40),
            "relocation": _answer(rng, 70, 10),
            "remote_to_onsite": _answer(rng, 50, 30),
            "coworkers_count": _maybe(rng, 0.7, rng.randint(0, 40)),
            "training_status": training.value,
            "training_other": None,
            "contract_articles": _maybe(rng, 0.3, rng.choice(words.ARTICLES)),
            "union_notified_before": _answer(rng, 60, 10),
            "telework_affected": _answer(rng, 40, 30),
            "outside_position_description": _answer(rng, 20, 60),
            "safety_health": _maybe(rng, 0.2, rng.choice(words.SAFETY)),
            "personal_hardship": _maybe(rng, 0.1, rng.choice(words.HARDSHIP)),
            "duties": rng.choices(
                list(DUTY_WEIGHTS), weights=list(DUTY_WEIGHTS.values()), k=rng.randint(1, 3)
            ),
            "gaps": (
                []
                if training == TrainingStatus.COMPLETE
                else rng.sample(list(TrainingGap), k=rng.randint(1, 3))
            ),
            "pay": (
                [PayItem.NONE_OFFERED]
                if rng.random() < 0.5
                else rng.sample(
                    [PayItem.OVERTIME, PayItem.PREMIUM, PayItem.TRAVEL, PayItem.HAZARD],
                    k=rng.randint(1, 2),
                )
            ),
        }

    def _add_notice(
        self,
        chapter: ChapterInfo,
        member_id: int,
        case_id: int | None,
        at: datetime,
        values: dict[str, Any],
        final: CaseStatus | None,
    ) -> int:
        rng, w = self.rng, self.writer
        notice_id = w.new_id("notices")
        self._notices_of[member_id] += 1
        withdrawn = final == CaseStatus.WITHDRAWN
        status = (
            NoticeStatus.DRAFT
            if case_id is None
            else NoticeStatus.WITHDRAWN
            if withdrawn
            else NoticeStatus.SUBMITTED
        )
        duties = set(values["duties"])
        fields = {k: v for k, v in values.items() if k not in {"duties", "gaps", "pay"}}
        w.add(
            "notices",
            id=notice_id,
            member_id=member_id,
            chapter_id=chapter.id,
            case_id=case_id,
            status=status.value,
            created_at=at - timedelta(minutes=rng.randint(5, 600)),
            updated_at=at,
            submitted_at=at if case_id is not None else None,
            withdrawn_at=at + timedelta(days=1) if withdrawn else None,
            duties_other="Courtroom security" if Duty.OTHER in duties else None,
            statement=" ".join(rng.sample(words.STATEMENTS, k=rng.randint(1, 3))),
            consent_contact=rng.random() < 0.9,
            consent_anonymized_use=rng.random() < 0.4,
            confidential=rng.random() < 0.1,
            **fields,
        )
        for question, answers in (
            (Question.DUTY, duties),
            (Question.TRAINING_GAP, values["gaps"]),
            (Question.PAY, values["pay"]),
        ):
            for answer in set(answers):
                w.add(
                    "notice_choices",
                    notice_id=notice_id,
                    question=question.value,
                    answer=answer.value,
                )
        return notice_id

    def add_drafts(self) -> None:
        """Some members have a draft they have not sent yet (it shows on "my notices")."""
        for chapter in self.world.chapters:
            for user_id, _row in chapter.members:
                if self.rng.random() < 0.02:
                    at = self.world.now - timedelta(days=self.rng.randint(0, 20))
                    values = self._notice_values(chapter, at)
                    self._add_notice(chapter, user_id, None, at, values, None)

    # -- deadlines and actions ---------------------------------------------------------

    def _due(self, start: date, days: int, kind: str, after: str) -> tuple[date, str]:
        """The due date and rule in words, as the deadlines feature computes them (cached:
        many cases count from the same day)."""
        key = (start, days, kind, after)
        if key not in self._due_cache:
            count = count_days(start, days, kind)
            rule = count.describe(
                days, kind, f"{after} of {start.isoformat()}", source="chapter policy"
            )
            self._due_cache[key] = (count.due_on, rule)
        return self._due_cache[key]

    def _deadline(
        self,
        case_id: int,
        kind: DeadlineKind,
        title: str,
        due: date,
        rule: str,
        created: datetime,
        actor: int | None,
        **count: Any,
    ) -> dict[str, Any]:
        return {
            "id": self.writer.new_id("deadlines"),
            "case_id": case_id,
            "kind": kind.value,
            "title": title,
            "due_on": due,
            "original_due_on": due,
            "rule": rule,
            "days": count.get("days"),
            "day_kind": count.get("day_kind"),
            "counted_from": count.get("counted_from"),
            "done_at": None,
            "done_by_id": None,
            "created_by_id": actor,
            "created_at": created,
            "updated_at": created,
        }

    def _grievance_and_reply(
        self,
        chapter: ChapterInfo,
        case_id: int,
        created: datetime,
        member_id: int,
        notice: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """What filing the notice proposed, from the chapter's policy."""
        at = created + timedelta(seconds=1)
        notified = notice["notified_on"]
        due, rule = self._due(notified, chapter.grievance_days, chapter.grievance_kind, "notice")
        found = [
            self._deadline(
                case_id,
                DeadlineKind.GRIEVANCE,
                "File a grievance",
                due,
                rule,
                at,
                member_id,
                days=chapter.grievance_days,
                day_kind=chapter.grievance_kind,
                counted_from=notified,
            )
        ]
        if notice["reply_by"] is not None:
            found.append(
                self._deadline(
                    case_id,
                    DeadlineKind.REPLY_BY,
                    "Member's reply to management is due",
                    notice["reply_by"],
                    "The reply-by date management gave the member",
                    at,
                    member_id,
                )
            )
        return found

    def _action(
        self,
        chapter: ChapterInfo,
        case_id: int,
        rep_id: int,
        after: datetime,
        end: datetime,
        events: list[dict[str, Any]],
    ) -> list[dict[str, Any]]:
        rng = self.rng
        at = after + (end - after) * rng.random()
        kind = _pick(rng, ACTION_WEIGHTS)
        step = rng.choice((1, 1, 1, 2)) if kind == CaseActionKind.GRIEVANCE else None
        action_id = self.writer.new_id("case_actions")
        self.writer.add(
            "case_actions",
            id=action_id,
            case_id=case_id,
            kind=kind.value,
            step=step,
            taken_on=at.date(),
            note=None,
            actor_id=rep_id,
            created_at=at,
        )
        events.append(
            self._event(
                case_id,
                at,
                rep_id,
                CaseEventKind.ACTION_RECORDED,
                False,
                action_id=action_id,
                action=kind.value,
                step=step,
                taken_on=at.date().isoformat(),
            )
        )
        if kind != CaseActionKind.INFORMATION_REQUEST:
            return []
        due, rule = self._due(at.date(), chapter.info_days, chapter.info_kind, "request")
        return [
            self._deadline(
                case_id,
                DeadlineKind.INFO_REQUEST,
                "Management's answer to the information request",
                due,
                rule,
                at + timedelta(seconds=1),
                rep_id,
                days=chapter.info_days,
                day_kind=chapter.info_kind,
                counted_from=at.date(),
            )
        ]

    def _settle(
        self,
        case_id: int,
        deadline: dict[str, Any],
        closed_at: datetime | None,
        rep_id: int,
        events: list[dict[str, Any]],
    ) -> None:
        """The deadline's history: set, sometimes extended, closed when done."""
        rng, w, now = self.rng, self.writer, self.world.now
        created = deadline["created_at"]
        changes = [
            (created, deadline["created_by_id"], ChangeKind.CREATED, None, deadline["due_on"], None)
        ]
        if deadline["kind"] == DeadlineKind.GRIEVANCE.value and rng.random() < 0.06:
            old = deadline["due_on"]
            deadline["due_on"] = old + timedelta(days=14)
            at = min(now, created + timedelta(days=rng.randint(1, 10)))
            changes.append(
                (at, rep_id, ChangeKind.EXTENDED, old, deadline["due_on"], words.EXTENSION_REASON)
            )
        due_moment = datetime.combine(deadline["due_on"], time(15), tzinfo=UTC)
        if closed_at is not None:
            done = closed_at
        elif due_moment < now and rng.random() < 0.75:
            done = max(created, due_moment - timedelta(days=rng.randint(0, 5)))
        else:
            done = None
        if done is not None:
            deadline["done_at"] = done
            deadline["done_by_id"] = rep_id
            deadline["updated_at"] = done
            changes.append((done, rep_id, ChangeKind.CLOSED, None, None, None))
        w.add("deadlines", **deadline)
        for at, actor, kind, old, new, reason in changes:
            w.add(
                "deadline_changes",
                id=w.new_id("deadline_changes"),
                deadline_id=deadline["id"],
                at=at,
                actor_id=actor,
                kind=kind.value,
                old_due_on=old,
                new_due_on=new,
                reason=reason,
            )
            events.append(
                self._event(
                    case_id,
                    at,
                    actor,
                    CaseEventKind.DEADLINE,
                    False,
                    body=reason,
                    action=kind.value,
                    deadline_id=deadline["id"],
                    title=deadline["title"],
                    due_on=deadline["due_on"].isoformat(),
                    old_due_on=old.isoformat() if old else None,
                    new_due_on=new.isoformat() if new else None,
                )
            )


# -- roster requests and digests ---------------------------------------------------------


def add_roster_requests(world: World, writer: BulkWriter) -> None:
    """Management's solicitations and nominations: most sent to 10-40 members of the
    chapter, more than half of whom answered; one in five with the union's information
    request for the roster."""
    try:
        from union.rosters.models import InfoRequestStatus, RosterAnswerKind, RosterStatus
    except ImportError:  # the roster feature is not installed
        return
    rng, now = world.rng, world.now
    for _ in range(world.sizes.roster_requests):
        chapter = world.chapter()
        rep_id = rng.choice(chapter.reps)[0] if chapter.reps else world.admin_id
        created = now - timedelta(days=rng.randint(0, 400), minutes=rng.randint(0, 1440))
        reply_by = created.date() + timedelta(days=rng.randint(5, 20))
        if rng.random() < 0.15:
            status = RosterStatus.RECORDED
        elif reply_by < world.today - timedelta(days=30) and rng.random() < 0.6:
            status = RosterStatus.CLOSED
        else:
            status = RosterStatus.SENT
        request_id = writer.new_id("roster_requests")
        code = rng.choices(*zip(*words.RECEIVING_COMPONENTS, strict=True))[0]
        unit = rng.choice(words.UNITS).format(city=chapter.city, state=chapter.state)
        title, abbreviation = rng.choice(words.MANAGERS)
        writer.add(
            "roster_requests",
            id=request_id,
            chapter_id=chapter.id,
            status=status.value,
            title=f"{unit}: who is available",
            requested_by_name=_manager_name(rng),
            requested_by_title=title,
            agency_id=chapter.agency_id,
            office=chapter.office,
            receiving_agency_id=world.agencies.get(code),
            receiving_unit=unit,
            duties_other=None,
            people_requested=rng.choice((None, 5, 10, 20)),
            duration=rng.choice(("90 days", "120 days", "Until further notice")),
            starts_on=reply_by + timedelta(days=rng.randint(3, 20)),
            communicated_on=created.date(),
            how_communicated=Channel.EMAIL.value,
            reply_by=reply_by,
            notes=f"Forwarded by the {abbreviation}'s office to all staff.",
            case_id=None,
            created_by_id=rep_id,
            created_at=created,
            updated_at=created,
        )
        for duty in rng.sample([Duty.ARRESTS, Duty.TRANSPORT, Duty.DETENTION], k=rng.randint(1, 3)):
            writer.add("roster_request_duties", roster_request_id=request_id, duty=duty.value)
        if status == RosterStatus.RECORDED:
            continue
        sent = created + timedelta(hours=rng.randint(1, 48))
        reached = rng.sample(chapter.members, k=min(len(chapter.members), rng.randint(10, 40)))
        for user_id, row_id in reached:
            recipient_id = writer.new_id("roster_recipients")
            answer = _pick(
                rng,
                {
                    None: 40,
                    RosterAnswerKind.UNAVAILABLE: 25,
                    RosterAnswerKind.OBJECTS: 15,
                    RosterAnswerKind.AVAILABLE: 8,
                    RosterAnswerKind.VOLUNTEERED: 4,
                    RosterAnswerKind.NAMED_UNASKED: 8,
                },
            )
            answered = min(now, sent + timedelta(hours=rng.randint(1, 200))) if answer else None
            writer.add(
                "roster_recipients",
                id=recipient_id,
                roster_request_id=request_id,
                user_id=user_id,
                member_id=row_id,
                sent_at=sent,
                sent_by_id=rep_id,
                reminded_at=None,
                reminder_count=0,
                answer=answer.value if answer else None,
                answered_at=answered,
            )
            if answer:
                objects = answer == RosterAnswerKind.OBJECTS
                writer.add(
                    "roster_answers",
                    id=writer.new_id("roster_answers"),
                    recipient_id=recipient_id,
                    answer=answer.value,
                    reason="Outside my position description; no training." if objects else None,
                    comment=None,
                    at=answered,
                )
        if rng.random() < 0.2:
            _add_info_request(world, writer, chapter, request_id, rep_id, sent, InfoRequestStatus)


def _manager_name(rng: Any) -> str:
    return f"{rng.choice(words.FIRST_NAMES)} {rng.choice(words.LAST_NAMES)}"


def _add_info_request(
    world: World,
    writer: BulkWriter,
    chapter: ChapterInfo,
    request_id: int,
    rep_id: int,
    sent: datetime,
    statuses: Any,
) -> None:
    rng = world.rng
    info_id = writer.new_id("roster_info_requests")
    sent_on = sent.date() + timedelta(days=rng.randint(0, 3))
    due_on = sent_on + timedelta(days=chapter.info_days + 6)
    status = (
        statuses.AWAITING
        if due_on >= world.today
        else rng.choice(
            (statuses.ANSWERED_PART, statuses.ANSWERED_FULL, statuses.OVERDUE, statuses.REFUSED)
        )
    )
    answered = status in {statuses.ANSWERED_PART, statuses.ANSWERED_FULL}
    writer.add(
        "roster_info_requests",
        id=info_id,
        roster_request_id=request_id,
        chapter_id=chapter.id,
        case_id=None,
        status=status.value,
        addressee_name=_manager_name(rng),
        addressee_title="Special Agent in Charge",
        subject="Request for information under 5 U.S.C. 7114(b)(4): the detail roster",
        opening="The union requests the following information, normally maintained by the "
        "agency and necessary for full and proper discussion of the detail.",
        closing="Please provide the information within the time our agreement allows.",
        signer_name=_manager_name(rng),
        signer_title="Chapter President",
        sent_on=sent_on,
        due_on=due_on,
        due_rule=f"{chapter.info_days} business days",
        answered_on=due_on - timedelta(days=2) if answered else None,
        answer_text="The roster is attached." if answered else None,
        deadline_id=None,
        ulp_deadline_id=None,
        created_by_id=rep_id,
        created_at=sent,
        updated_at=sent,
    )
    for position, item in enumerate(
        ("The roster of employees solicited or nominated.", "The criteria used to select them."),
        start=1,
    ):
        writer.add(
            "roster_info_request_items",
            id=writer.new_id("roster_info_request_items"),
            info_request_id=info_id,
            position=position,
            description=item,
            why="To know whether bargaining-unit employees are being detailed outside their "
            "position descriptions.",
            use="To decide whether to file a grievance and to bargain over the impact.",
            relation="Representing the employees on details is the union's statutory duty.",
        )
    writer.add(
        "roster_info_request_changes",
        id=writer.new_id("roster_info_request_changes"),
        info_request_id=info_id,
        at=sent,
        actor_id=rep_id,
        status_from=statuses.DRAFT.value,
        status_to=statuses.SENT.value,
        happened_on=sent_on,
        note=None,
    )


def add_digest_preferences(world: World, writer: BulkWriter) -> None:
    """Every rep takes a daily digest at 07:00 in their chapter's time zone."""
    try:
        from union.digests.models import DigestFrequency
    except ImportError:  # the digest feature is not installed
        return
    since = world.now - timedelta(days=60)
    for rep_id, zone in sorted(world.rep_zones.items()):
        writer.add(
            "digest_preferences",
            id=writer.new_id("digest_preferences"),
            user_id=rep_id,
            frequency=DigestFrequency.DAILY.value,
            hour=7,
            weekday=0,
            timezone=zone,
            send_when_empty=False,
            unsubscribe_token=world.token(),
            schedule_changed_at=since,
            created_at=since,
            updated_at=since,
        )
