"""A commit whose answer never came back: find out whether it happened, never guess.

When the connection breaks while a COMMIT is under way (the network fails, the server
dies between committing and answering), the client cannot tell whether the transaction
committed. Answering "not saved" for a change that was saved makes the person send it
again: a member's notice filed twice. Every write in Steward adds an audit entry to its
own transaction (``union.core.audit`` names it here as the transaction's *witness*), so
the transaction committed exactly when that row exists. After such a failure the
session asks the database, on a fresh connection, and then either carries on as after
any commit (its after-commit work runs: mail goes out, removed files go) or raises the
original error as before (and its files written for nothing go).

This module imports nothing of ours: ``union.extensions`` builds ``db`` with it.
"""

import contextlib
import logging
from typing import Any

import flask_sqlalchemy.session
from sqlalchemy import Table, event, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction

log = logging.getLogger(__name__)

WITNESS = "commit_witness"  # session.info: (table, id) of a row this transaction inserted


def name_witness(session: OrmSession, table: Table, row_id: int) -> None:
    """Say that row ``row_id`` of ``table``, flushed in this transaction, exists if and
    only if the transaction commits."""
    session.info[WITNESS] = (table, row_id)


@event.listens_for(OrmSession, "after_transaction_end")
def _forget_witness(session: OrmSession, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(WITNESS, None)


class Session(flask_sqlalchemy.session.Session):
    """Flask-SQLAlchemy's session, whose commit confirms an unanswered COMMIT."""

    def commit(self) -> None:
        try:
            super().commit()
        except DBAPIError as error:
            # Only a lost connection leaves the outcome unknown (SQLite, a local file,
            # never does); any other error means the transaction did not commit.
            if not error.connection_invalidated or not self._committed_after_all(error):
                raise

    def _committed_after_all(self, error: Exception) -> bool:
        witness = self.info.get(WITNESS)
        if witness is None:  # nothing says what to look for: the caller hears the error
            return False
        # The transaction's bookkeeping (files to delete, mail to send) is held aside
        # while the failed transaction is rolled back, so its listeners act only once the
        # answer is known: as after a commit, or as after a rollback.
        held: dict[Any, Any] = dict(self.info)
        self.info.clear()
        table, row_id = witness
        try:
            self.rollback()
            committed = self.scalar(select(table.c.id).where(table.c.id == row_id)) is not None
        except DBAPIError:
            # The database is still away: the caller hears the first error. The files
            # this transaction wrote are kept (they may belong to committed rows).
            log.warning("could not learn whether a commit landed", exc_info=True)
            with contextlib.suppress(DBAPIError):
                self.rollback()
            return False
        self.info.update(held)
        self.info.pop(WITNESS, None)
        if committed:
            log.warning("the database committed, then the connection broke: %s", error)
            super().commit()  # the confirming read's transaction; after-commit work runs
            return True
        self.rollback()  # as after any failed transaction: its new files go
        return False
