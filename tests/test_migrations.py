"""The schema comes from migrations/: upgrading an empty database yields exactly the
models' schema, on SQLite and on PostgreSQL, and the history runs down and up again."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from tests.conftest import _test_config
from union import create_app
from union.chapters.models import Agency
from union.chapters.services import SEED_AGENCIES
from union.extensions import db


def _differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        return compare_metadata(context, db.metadata)


def test_migrations_produce_exactly_the_models_schema(backend, databases):
    app = create_app(_test_config(databases.fresh_url(backend, "migrations")))
    with app.app_context():
        upgrade()
        assert _differences() == []
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables

        # The catalogue DESIGN.md names is there from the first migration.
        seeded = {(a.department, a.code) for a in db.session.scalars(select(Agency))}
        assert {(d, c) for d, c, _ in SEED_AGENCIES} <= seeded
        db.session.remove()

        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert _differences() == []
        db.engine.dispose()
