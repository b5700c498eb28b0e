"""Anonymized statements: members' statements they consented to have used anonymized,
scrubbed of what names them, reviewed and approved by a rep one by one, and put together
as a document for a letter to lawmakers. A member can withdraw consent at any time; the
statement then drops out of every list and document, and its reviewed text is deleted.

How a statement is scrubbed (``scrub``), in this order:

1. email addresses, and the member's own email as typed anywhere;
2. phone numbers (US forms, with or without +1, brackets, dots, dashes, an extension), and
   the member's phone from the chapter's list;
3. badge, employee, ID, member and similar numbers after their word ("badge 4471",
   "employee no. E-20931", "ID# 55"), and any other run of four or more digits that is
   not a year or a date;
4. names: every part of the member's own name (account and chapter list), in any case
   (names that are everyday words, like Will, Rose or Price, only when capitalized); full
   names on the chapter's list and of its accounts ("Ana Ruiz", "Ruiz, Ana", "Ana M.
   Ruiz"), and their first or last name alone when capitalized; one to three capitalized
   words after a title or a word for a person (Mr., Ms., Officer, Agent, Supervisor,
   Director, SAC, coworker…); and, as a suggestion only, any two or three capitalized
   words in a row that are not known place, agency or common words;
5. offices too small to hide someone: an office with fewer than STATEMENT_MIN_OFFICE_SIZE
   members (on the chapter's list, or among the members who reported from it, whichever
   is more) is replaced by "[an office of <component>]".

Approving runs the same checks but the suggestion of step 4 (``identifiers_in``): a rep
may put back "Atlanta Field Office" the scrubber took for a name, never an email, phone,
number, the member's name, a listed name or a name after a title.
"""

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import joinedload

from union.auth.models import User
from union.core import audit
from union.core.time import utcnow
from union.extensions import db
from union.members.models import Member
from union.notices.models import Notice, NoticeStatus
from union.reports.models import ReviewStatus, StatementReview

NAME, EMAIL, PHONE, NUMBER = "[name]", "[email]", "[phone]", "[number]"

EMAIL_RE = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
PHONE_RE = re.compile(
    r"(?<![\w])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}"
    r"(?:\s*(?:x|ext\.?|extension)\s*\d{1,6})?(?![\w])",
    re.IGNORECASE,
)
# A number named by its word: "badge 4471", "employee no. E-20931", "ID#: 55".
NUMBER_WORDS = (
    r"badge|employee|emp\.?|staff|id|i\.d\.|identification|member|membership|ssn|"
    r"social security|personnel|payroll|serial|star|shield|credential|case|file|"
    r"pin|account|number"
)
KEYED_NUMBER_RE = re.compile(
    rf"\b(?P<word>(?:{NUMBER_WORDS}))(?P<gap>\s*(?:no\.?|num\.?|number|#|id)?\s*[:#]?\s*)"
    r"(?P<value>[A-Za-z]{0,3}-?\d[\w-]*)",
    re.IGNORECASE,
)
# Runs of digits (with letters or dashes) that may be an identifier.
DIGITS_RE = re.compile(r"(?<![\w-])[A-Za-z]{0,4}[-#]?\d[\d-]*\d(?:[A-Za-z]{0,2})(?![\w-])")
ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

TITLES = (
    r"Mr\.?|Mrs\.?|Ms\.?|Miss|Mx\.?|Dr\.?|Officer|Agent|Special Agent|Supervisor|"
    r"Supervisory|Director|Deputy|Chief|Captain|Capt\.?|Lieutenant|Lt\.?|Sergeant|Sgt\.?|"
    r"Warden|Manager|Inspector|Commander|Detective|Investigator|Marshal|Judge|Counselor|"
    r"SA|SSA|ASAC|SAC|AFOD|FOD|SDDO|coworker|co-worker|colleague|partner|boss|"
    r"supervisor|manager|director|officer|agent|named|called"
)
# A capitalized word that may be a name ("Ana", "O'Brien", "McDonald", "Smith-Jones",
# "Zoë", "Nguyễn"), or an initial ("K."). All-capital words (ERO, SAC) are acronyms, not
# names. Latin letters with accents count (Latin-1, Extended-A/B and Additional): an ASCII
# class stopped "Zoë" at "Zo" and left the rest of the name in the text.
_UPPER = "A-ZÀ-ÖØ-ÞĀ-ɏḀ-ỿ"
_LOWER = "a-zß-öø-ÿĀ-ɏḀ-ỿ"
_LETTER = "A-Za-zÀ-ÖØ-öø-ÿĀ-ɏḀ-ỿ"
CAPITALIZED = (
    rf"(?:[{_UPPER}](?:['’]?[{_LETTER}])*[{_LOWER}](?:-[{_UPPER}][{_LOWER}]+)*|[{_UPPER}]\.)"
)
TITLE_NAME_RE = re.compile(
    rf"\b(?P<title>{TITLES})\s+(?P<name>{CAPITALIZED}(?:\s+{CAPITALIZED}){{0,3}})"
)
PAIR_RE = re.compile(rf"\b{CAPITALIZED}(?:\s+{CAPITALIZED}){{1,2}}\b")
WORD_RE = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.UNICODE)


# Capitalized words that are not names: agencies, places' first words, days, months, and
# words that start sentences. Only the suggestion (step 4's last part) uses it.
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


NOT_NAMES = _words(
    """
    a an the i i'm i've i'd we they he she it my our your their his her its this that these
    those there then when while after before during since until if but and or so because
    as at by for from in into of on onto to with without about over under up down out
    nobody everyone someone anyone nothing everything some all any each every no not yes
    what who why how where which also only just now today yesterday tomorrow last next
    monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december
    department bureau office field division unit section branch team squad task force
    agency service services center facility complex institution district region regional
    headquarters hq national federal state county city port north south east west new
    san santa los las el la fort saint st lake salt mount
    homeland security immigration customs enforcement removal operations investigations
    investigation criminal internal revenue prisons prison correctional marshals marshal
    diplomatic drug alcohol tobacco firearms explosives citizenship fraud detection
    detention processing docket dockets ice ero hsi uscis fdns irs ci bop usms dea atf dss
    dhs doj treasury union local chapter contract article articles agreement memo email
    union's management labor relations human resources hr officer officers agent agents
    special supervisor supervisors director deputy chief general assistant acting
    program programs policy policies act code law laws rule rules u.s united states
    america american court courts judge
    """
)

# Names that are also everyday words: the member's own name is taken out wherever it is
# written, in any case, but for these, which count only when capitalized.
WORDS_TOO = NOT_NAMES | _words(
    """
    will may mark rich hope grant long young white brown black green gray grey bill art
    sue pat joy faith grace rose iris dawn summer lane hall wood woods stone king price
    fox bell rice law love hunt case page day bush baker cook miller carpenter mason
    hunter porter parker turner walker fisher shepherd rivers river hill brook brooks
    ray guy chase jack frank sterling major noble bishop dean gene penny ruby pearl
    ivy holly jordan cash gay lee early moody best good bond wells small little strong
    """
)

_WORD_TITLES = {t.strip("\\.?").lower() for t in TITLES.split("|")}


@dataclass
class Context:
    """What is known about the member and their chapter that a statement may give away."""

    name_parts: set[str] = field(default_factory=set)  # lower-case
    literals: list[tuple[str, str]] = field(default_factory=list)  # (text, replacement)
    listed_names: set[tuple[str, str]] = field(default_factory=set)  # (first, last) lower
    small_offices: list[tuple[str, str]] = field(default_factory=list)  # (office, words)


@dataclass(frozen=True)
class Finding:
    """Something in a text that may name the member or someone else."""

    what: str  # "email", "phone", "number", "name", "office"
    text: str


# -- the scrubber ----------------------------------------------------------------------


def _names(full: str) -> list[str]:
    """The parts of a name worth looking for: words of two letters or more."""
    return [w for w in WORD_RE.findall(full) if len(w) >= 2]


def _first_last(full: str) -> tuple[str, str] | None:
    """``("ana", "ruiz")`` from "Ana Ruiz", "Ana M. Ruiz" or "Ruiz, Ana"."""
    if "," in full:
        last, _, first = full.partition(",")
        parts = _names(first)[:1] + _names(last)[-1:]
    else:
        words = _names(full)
        parts = words[:1] + words[-1:] if len(words) >= 2 else []
    if len(parts) != 2:
        return None
    return parts[0].casefold(), parts[1].casefold()


def _is_capitalized(word: str) -> bool:
    return word[:1].isupper()


def _replace_name_parts(
    text: str, parts: set[str], findings: list[Finding] | None, *, capitalized_only: bool = False
) -> str:
    if capitalized_only:
        parts = {p for p in parts if p not in WORDS_TOO}
    if not parts:
        return text
    pattern = re.compile(
        r"\b(" + "|".join(re.escape(p) for p in sorted(parts, key=len, reverse=True)) + r")\b",
        re.IGNORECASE,
    )

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        # "Will", "Rose", "Price": a name only when written with a capital.
        if (capitalized_only or word.casefold() in WORDS_TOO) and not _is_capitalized(word):
            return word
        if findings is not None:
            findings.append(Finding("name", word))
        return NAME

    return pattern.sub(swap, text)


def _not_a_name(word: str) -> bool:
    bare = word.strip(".").casefold()
    return bare in NOT_NAMES or bare in _WORD_TITLES


def _replace_listed_names(
    text: str, listed: set[tuple[str, str]], findings: list[Finding] | None
) -> str:
    """Full names from the chapter's list: "First Last", "First M. Last", "Last, First"."""
    if not listed:
        return text
    word = r"[^\W\d_]+(?:[-'’][^\W\d_]+)*"
    forward = re.compile(rf"\b({word})(\s+[A-Z]\.?)?(\s+)({word})\b")
    backward = re.compile(rf"\b({word}),\s*({word})\b")

    def swap_forward(match: re.Match[str]) -> str:
        first, last = match.group(1), match.group(4)
        if (first.casefold(), last.casefold()) in listed and _is_capitalized(first):
            if findings is not None:
                findings.append(Finding("name", match.group(0)))
            return NAME
        return match.group(0)

    def swap_backward(match: re.Match[str]) -> str:
        last, first = match.group(1), match.group(2)
        if (first.casefold(), last.casefold()) in listed and _is_capitalized(last):
            if findings is not None:
                findings.append(Finding("name", match.group(0)))
            return NAME
        return match.group(0)

    return backward.sub(swap_backward, forward.sub(swap_forward, text))


def _replace_titled_names(text: str, findings: list[Finding] | None) -> str:
    def swap(match: re.Match[str]) -> str:
        words = match.group("name").split()
        # "Deputy Director Carl Meyer": more titles first, then the name.
        lead = 0
        while lead < len(words) and _not_a_name(words[lead]):
            lead += 1
        kept: list[str] = []
        for w in words[lead:]:
            if _not_a_name(w):
                break
            kept.append(w)
        if not kept:
            return match.group(0)
        before = " ".join(words[:lead])
        rest = " ".join(words[lead + len(kept) :])
        if findings is not None:
            findings.append(Finding("name", f"{match.group('title')} {match.group('name')}"))
        shown = " ".join(p for p in (match.group("title"), before, NAME, rest) if p)
        return shown

    return TITLE_NAME_RE.sub(swap, text)


def _replace_capitalized_runs(text: str) -> str:
    """The suggestion: two or three capitalized words in a row that are not known words."""

    def swap(match: re.Match[str]) -> str:
        words = match.group(0).split()
        if any(w.strip(".").casefold() in NOT_NAMES for w in words):
            return match.group(0)
        if all(len(w.strip(".")) == 1 for w in words):
            return match.group(0)
        return NAME

    return PAIR_RE.sub(swap, text)


def _replace_numbers(text: str, findings: list[Finding] | None) -> str:
    def keyed(match: re.Match[str]) -> str:
        value = match.group("value")
        if sum(ch.isdigit() for ch in value) < 2:
            return match.group(0)
        if findings is not None:
            findings.append(Finding("number", match.group(0)))
        return f"{match.group('word')}{match.group('gap')}{NUMBER}"

    def digits(match: re.Match[str]) -> str:
        value = match.group(0)
        count = sum(ch.isdigit() for ch in value)
        if count < 4 or ISO_DATE_RE.match(value):
            return value
        if count == 4 and value.isdigit() and 1900 <= int(value) <= 2099:
            return value  # a year
        if findings is not None:
            findings.append(Finding("number", value))
        return NUMBER

    return DIGITS_RE.sub(digits, KEYED_NUMBER_RE.sub(keyed, text))


def _replace(pattern: re.Pattern[str], text: str, token: str, what: str,
             findings: list[Finding] | None) -> str:  # fmt: skip
    def swap(match: re.Match[str]) -> str:
        if findings is not None:
            findings.append(Finding(what, match.group(0)))
        return token

    return pattern.sub(swap, text)


def _apply(text: str, context: Context, findings: list[Finding] | None, suggest: bool) -> str:
    for literal, token in context.literals:
        if literal:
            literal_re = re.compile(re.escape(literal), re.IGNORECASE)
            text = _replace(literal_re, text, token, token.strip("[]"), findings)
    text = _replace(EMAIL_RE, text, EMAIL, "email", findings)
    text = _replace(PHONE_RE, text, PHONE, "phone", findings)
    text = _replace_numbers(text, findings)
    text = _replace_listed_names(text, context.listed_names, findings)
    # Before the single names: "Supervisor Dmitri Haddad", Dmitri being on the list, must
    # go whole, not leave "Supervisor [name] Haddad" that no title is in front of any more.
    text = _replace_titled_names(text, findings)
    text = _replace_name_parts(text, context.name_parts, findings)
    # A first or last name alone of someone on the chapter's list ("Jane told me").
    listed_parts = {part for pair in context.listed_names for part in pair}
    text = _replace_name_parts(text, listed_parts, findings, capitalized_only=True)
    if suggest:
        text = _replace_capitalized_runs(text)
    # Initials in front of a name taken out go with it ("S. [name]").
    text = re.sub(rf"\b(?:[{_UPPER}]\.\s*)+\[name\]", NAME, text)
    text = re.sub(r"\[name\](?:[\s,]+\[name\])+", NAME, text)
    for office, words in context.small_offices:
        office_re = re.compile(r"\b" + re.escape(office) + r"\b", re.IGNORECASE)
        text = _replace(office_re, text, words, "office", findings)
    return text


def scrub(text: str, context: Context) -> str:
    """The statement with what names the member or others taken out (see the module)."""
    return _apply(text, context, None, suggest=True)


def identifiers_in(text: str, context: Context) -> list[Finding]:
    """What in ``text`` still looks like it names someone (empty: fit to approve)."""
    findings: list[Finding] = []
    _apply(text, context, findings, suggest=False)
    return findings


# -- what is known about a notice's member ---------------------------------------------


def _office_key(office: str) -> str:
    return " ".join(office.split()).casefold()


def office_sizes(chapter_id: int) -> dict[str, int]:
    """Members per office in a chapter: the chapter's list, or the members who reported
    from the office, whichever is more (two grouped queries)."""
    key = func.lower(func.trim(Member.office))
    listed = db.session.execute(
        select(key, func.count(Member.id))
        .where(
            Member.chapter_id == chapter_id, Member.office.is_not(None), Member.missing.is_(False)
        )
        .group_by(key)
    ).all()
    reported_key = func.lower(func.trim(Notice.home_office))
    reported = db.session.execute(
        select(reported_key, func.count(func.distinct(Notice.member_id)))
        .where(
            Notice.chapter_id == chapter_id,
            Notice.home_office.is_not(None),
            Notice.status != NoticeStatus.DRAFT.value,
        )
        .group_by(reported_key)
    ).all()
    sizes: Counter[str] = Counter()
    for rows in (listed, reported):
        for office, n in rows:
            if office:
                k = _office_key(office)
                sizes[k] = max(sizes[k], int(n))
    return dict(sizes)


def context_of(notice: Notice) -> Context:
    """What the scrubber looks for in ``notice``'s statement: the member's name, email and
    phone (account and the chapter's list), the names on the chapter's list and of its
    accounts, and its offices too small to hide someone."""
    member: User = notice.member
    context = Context()
    listed = db.session.scalars(select(Member).where(Member.chapter_id == notice.chapter_id)).all()
    own = [m for m in listed if m.user_id == member.id]
    for full in [member.name, *(m.name for m in own)]:
        context.name_parts.update(p.casefold() for p in _names(full))
    literals = {(member.email, EMAIL)}
    for m in own:
        if m.email:
            literals.add((m.email, EMAIL))
        if m.phone and sum(ch.isdigit() for ch in m.phone) >= 7:
            literals.add((m.phone, PHONE))
        if m.member_number and len(m.member_number) >= 3:
            literals.add((m.member_number, NUMBER))
    context.literals = sorted(literals, key=lambda pair: -len(pair[0]))
    account_names = db.session.scalars(
        select(User.name).where(User.chapter_id == notice.chapter_id)
    ).all()
    for full in [*(m.name for m in listed), *account_names]:
        pair = _first_last(full)
        if pair:
            context.listed_names.add(pair)
    threshold = current_app.config["STATEMENT_MIN_OFFICE_SIZE"]
    component = notice.home_agency.label if notice.home_agency else "the agency"
    sizes = office_sizes(notice.chapter_id)
    offices = {_office_key(notice.home_office)} if notice.home_office else set()
    offices |= set(sizes)
    context.small_offices = sorted(
        ((office, f"[an office of {component}]") for office in offices
         if office and sizes.get(office, 1) < threshold),
        key=lambda pair: -len(pair[0]),
    )  # fmt: skip
    return context


def office_is_small(notice: Notice) -> bool:
    if not notice.home_office:
        return True
    size = office_sizes(notice.chapter_id).get(_office_key(notice.home_office), 1)
    return bool(size < current_app.config["STATEMENT_MIN_OFFICE_SIZE"])


# -- which statements ------------------------------------------------------------------


def consenting() -> list[ColumnElement[bool]]:
    """A statement may be used: its member consents now, the notice stands, it has words."""
    return [
        Notice.status == NoticeStatus.SUBMITTED.value,
        Notice.consent_anonymized_use.is_(True),
        Notice.statement.is_not(None),
        Notice.statement != "",
    ]


def _chapters_where(chapter_ids: Iterable[int] | None) -> list[ColumnElement[bool]]:
    """``None``: every chapter (admins); otherwise these chapters only."""
    if chapter_ids is None:
        return []
    return [Notice.chapter_id.in_(list(chapter_ids) or [-1])]


@dataclass
class Listed:
    notice: Notice
    review: StatementReview | None

    @property
    def status(self) -> str:
        return self.review.status if self.review else "to_review"


def statements_for(chapter_ids: Iterable[int] | None) -> list[Listed]:
    """Consenting statements in these chapters with their review, if any (one query)."""
    rows = db.session.execute(
        select(Notice, StatementReview)
        .outerjoin(StatementReview, StatementReview.notice_id == Notice.id)
        .where(*consenting(), *_chapters_where(chapter_ids))
        .options(
            joinedload(Notice.chapter), joinedload(Notice.case), joinedload(Notice.home_agency)
        )
        .order_by(Notice.submitted_at, Notice.id)
    ).all()
    return [Listed(notice, review) for notice, review in rows]


def load_statement(notice_id: int) -> Notice | None:
    """A notice whose statement may be used, with what its review page shows."""
    return db.session.scalars(
        select(Notice)
        .where(Notice.id == notice_id, *consenting())
        .options(
            joinedload(Notice.member),
            joinedload(Notice.chapter),
            joinedload(Notice.case),
            joinedload(Notice.home_agency),
            joinedload(Notice.receiving_agency),
        )
    ).one_or_none()


def review_of(notice: Notice) -> StatementReview | None:
    return db.session.scalar(select(StatementReview).where(StatementReview.notice_id == notice.id))


def source_hash(statement: str | None) -> str:
    return hashlib.sha256((statement or "").encode()).hexdigest()


def current_text(notice: Notice, review: StatementReview | None) -> str:
    """What the review form starts from: the saved text while it still stands for this
    statement, else a fresh scrub."""
    if review is not None and review.source_sha256 == source_hash(notice.statement):
        return review.text
    return scrub(notice.statement or "", context_of(notice))


class StatementProblems(ValueError):
    def __init__(self, findings: list[Finding]) -> None:
        super().__init__("; ".join(f"{f.what}: {f.text}" for f in findings))
        self.findings = findings


def save_review(
    notice: Notice, text: str, decision: ReviewStatus, *, actor: User
) -> StatementReview:
    """Keep the rep's text and decision. Approving refuses a text in which something
    still looks like it names someone (``StatementProblems``)."""
    if decision == ReviewStatus.APPROVED:
        findings = identifiers_in(text, context_of(notice))
        if findings:
            raise StatementProblems(findings)
    review = review_of(notice)
    if review is None:
        review = StatementReview(notice_id=notice.id, chapter_id=notice.chapter_id)
        db.session.add(review)
    review.text = text
    review.source_sha256 = source_hash(notice.statement)
    review.status = decision.value
    review.reviewer_id = actor.id
    review.reviewed_at = utcnow()
    db.session.flush()
    audit.record(
        f"statement.{decision.value}", review, actor=actor, notice_id=notice.id, length=len(text)
    )
    return review


def withdraw_consent(notice: Notice, *, actor: User) -> bool:
    """The member takes back their consent: the notice no longer allows anonymized use and
    any reviewed text of it is deleted. Returns whether anything changed."""
    review = review_of(notice)
    if not notice.consent_anonymized_use and review is None:
        return False
    notice.consent_anonymized_use = False
    if review is not None:
        db.session.delete(review)
    db.session.flush()
    audit.record(
        "notice.withdraw_anonymized_consent",
        notice,
        actor=actor,
        review_deleted=review is not None,
    )
    return True


# -- the document for lawmakers --------------------------------------------------------


@dataclass(frozen=True)
class Approved:
    """An approved statement as the document prints it: who (in general terms) and what."""

    heading: str
    text: str


def describe(notice: Notice, small_office: bool) -> str:
    """ "A member at DOJ/BOP (Victorville office), sent on a detail to DHS/ICE-ERO, told
    in March 2026": the office only when it is big enough to hide someone."""
    home = notice.home_agency.label if notice.home_agency else "a federal agency"
    where = home if small_office or not notice.home_office else f"{home} ({notice.home_office})"
    kind = notice.label_of("kind") or "an assignment"
    receiving = notice.receiving_label or "another component"
    told = f", told in {notice.notified_on:%B %Y}" if notice.notified_on else ""
    return f"A member at {where}; {kind.lower()} to {receiving}{told}"


def approved_statements(
    chapter_ids: Iterable[int] | None, chapter_id: int | None = None
) -> list[Approved]:
    """The approved statements whose members still consent, oldest first."""
    where = [*consenting(), *_chapters_where(chapter_ids),
             StatementReview.status == ReviewStatus.APPROVED.value]  # fmt: skip
    if chapter_id is not None:
        where.append(Notice.chapter_id == chapter_id)
    rows = db.session.execute(
        select(Notice, StatementReview)
        .join(StatementReview, StatementReview.notice_id == Notice.id)
        .where(*where)
        .options(joinedload(Notice.home_agency), joinedload(Notice.receiving_agency))
        .order_by(Notice.notified_on, Notice.id)
    ).all()
    approved = []
    sizes: dict[int, dict[str, int]] = {}
    threshold = current_app.config["STATEMENT_MIN_OFFICE_SIZE"]
    for notice, review in rows:
        if review.source_sha256 != source_hash(notice.statement):
            continue  # the statement changed since it was approved
        if notice.chapter_id not in sizes:
            sizes[notice.chapter_id] = office_sizes(notice.chapter_id)
        office = _office_key(notice.home_office) if notice.home_office else ""
        small = sizes[notice.chapter_id].get(office, 1) < threshold
        approved.append(Approved(describe(notice, small), review.text))
    return approved


def as_plain_text(statements: list[Approved], title: str) -> str:
    lines = [title, "=" * len(title), ""]
    for number, statement in enumerate(statements, 1):
        lines += [f"{number}. {statement.heading}", "", statement.text, "", ""]
    if not statements:
        lines.append("No approved statements.")
    return "\n".join(lines).rstrip() + "\n"


def chapter_scope(user: User) -> list[int] | None:
    """The chapters whose statements ``user`` reviews: a rep's covered ones; None (all)
    for an admin."""
    return None if user.is_admin else [c.id for c in user.covered_chapters]


def may_review(user: Any, notice: Notice) -> bool:
    return bool(user.is_authenticated and user.is_active and user.covers(notice.chapter_id))
