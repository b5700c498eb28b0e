"""Pages of long lists: two queries whatever the page holds, page number from the URL."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import request
from sqlalchemy import Select, func, select

from union.extensions import db

T = TypeVar("T")
PER_PAGE = 50


def page_arg(name: str = "page") -> int:
    """The page number asked for in the query string (1 when absent or nonsense)."""
    value = request.args.get(name, "1")
    return int(value) if value.isdecimal() and len(value) < 7 else 1


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, with what the pager needs."""

    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(
    stmt: Select[Any],
    page: int,
    *,
    per_page: int = PER_PAGE,
    options: Sequence[Any] = (),
    scalars: bool = True,
    total: int | None = None,
) -> Page[Any]:
    """Run ``stmt`` for page ``page`` (1-based; past the end shows the last page).

    Two queries whatever the page holds: the count, then the rows with ``options``
    (eager loads) applied. A caller that has counted the rows already passes ``total``,
    and the count is not asked again.
    """
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pages = max(1, math.ceil((total or 0) / per_page))
    page = min(max(page, 1), pages)
    result = db.session.execute(
        stmt.options(*options).limit(per_page).offset((page - 1) * per_page)
    )
    items = list(result.scalars()) if scalars else list(result)
    return Page(items=items, page=page, per_page=per_page, total=total or 0)
