"""The five concerns a notice can raise (training, pay, contract, safety, hardship), as
SQL conditions on a notice: the queue filters by them, and a collective case counts them,
with the same rules."""

import enum
from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, literal, or_, select

from union.extensions import db
from union.notices.models import Answer, Notice, NoticeChoice, PayItem, Question, TrainingStatus


class Concern(enum.StrEnum):
    TRAINING = "training"
    PAY = "pay"
    CONTRACT = "contract"
    SAFETY = "safety"
    HARDSHIP = "hardship"

    @property
    def label(self) -> str:
        return CONCERN_LABELS[self]


CONCERN_LABELS = {
    Concern.TRAINING: "Training",
    Concern.PAY: "Pay",
    Concern.CONTRACT: "Contract",
    Concern.SAFETY: "Safety and health",
    Concern.HARDSHIP: "Personal hardship",
}


def _ticked(question: Question, answers: Iterable[str] | None = None) -> Select[Any]:
    """The notice's own choices for ``question`` (with one of ``answers``), by primary key."""
    where = [NoticeChoice.notice_id == Notice.id, NoticeChoice.question == question.value]
    if answers is not None:
        where.append(NoticeChoice.answer.in_(list(answers)))
    return select(literal(1)).where(and_(*where))


def raises(concern: Concern) -> ColumnElement[bool]:
    """Whether a notice (``Notice`` in the enclosing query) raises ``concern``:

    * training: not fully trained, or training named as missing;
    * pay: "nothing extra offered" ticked;
    * contract: articles named, the union not told before, telework affected, or duties
      outside the position description;
    * safety, hardship: the member described one.
    """
    match concern:
        case Concern.TRAINING:
            return or_(
                Notice.training_status.in_(
                    [TrainingStatus.NONE, TrainingStatus.PROMISED, TrainingStatus.PARTIAL]
                ),
                Notice.training_other.is_not(None),
                # A scalar look-up, not EXISTS: inside an OR, PostgreSQL makes an EXISTS
                # a hash of every training gap in the union (191,000 at 100,000 cases:
                # 50 ms for one rep's filter), where looking up the few notices the
                # other conditions leave costs about a millisecond.
                _ticked(Question.TRAINING_GAP).limit(1).scalar_subquery().is_not(None),
            )
        case Concern.PAY:
            # Alone, an EXISTS is best: a semi-join with the few such choices.
            return exists(_ticked(Question.PAY, [PayItem.NONE_OFFERED.value]))
        case Concern.CONTRACT:
            return or_(
                Notice.contract_articles.is_not(None),
                Notice.union_notified_before == Answer.NO.value,
                Notice.telework_affected == Answer.YES.value,
                Notice.outside_position_description == Answer.YES.value,
            )
        case Concern.SAFETY:
            return Notice.safety_health.is_not(None)
        case Concern.HARDSHIP:
            return Notice.personal_hardship.is_not(None)
    raise ValueError(concern)


@cache
def _count_columns() -> tuple[ColumnElement[int], ...]:
    """How many notices raise each concern, as columns (built once: the expressions never
    change, and building them costs more than running them for one case)."""
    return tuple(
        func.sum(case((raises(concern), 1), else_=0)).label(concern.value) for concern in Concern
    )


def concern_counts(case_ids: Iterable[int]) -> dict[int, dict[Concern, int]]:
    """For each case, how many of its notices raise each concern (one grouped query)."""
    ids = list(case_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Notice.case_id, *_count_columns())
        .where(Notice.case_id.in_(ids))
        .group_by(Notice.case_id)
    )
    return {
        row.case_id: {concern: int(getattr(row, concern.value) or 0) for concern in Concern}
        for row in rows
    }
