"""case workflow: priority, assigned rep and version on cases; the actions taken on a
case; reps' saved queue views; new kinds of events on the case timeline

Revision ID: 4bc816557ebb
Revises: c39918cbd532
Create Date: 2026-11-29 13:00:11.148626

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "4bc816557ebb"
down_revision = "c39918cbd532"
branch_labels = None
depends_on = None

KINDS_BEFORE = ("opened", "status_changed", "member_update", "withdrawn", "reply", "note",
                "deadline")  # fmt: skip
KINDS_AFTER = (*KINDS_BEFORE, "assigned", "priority_changed", "action_recorded",
               "notice_linked", "notice_unlinked")  # fmt: skip
PRIORITIES = ("low", "normal", "high", "urgent")


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def upgrade():
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("query", sa.String(length=2000), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rep_id"], ["users.id"], name=op.f("fk_saved_views_rep_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
        sa.UniqueConstraint("rep_id", "name", name=op.f("uq_saved_views_rep_id_name")),
    )
    with op.batch_alter_table("saved_views", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_views_rep_id"), ["rep_id"], unique=False)

    op.create_table(
        "case_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'grievance' AND step BETWEEN 1 AND 5) OR (kind <> 'grievance' AND step IS NULL)",
            name=op.f("ck_case_actions_step_only_for_grievance"),
        ),
        sa.CheckConstraint(
            "kind IN ('information_request', 'grievance', 'bargaining_demand', 'meeting', 'referral')",
            name=op.f("ck_case_actions_kind_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_case_actions_actor_id_users"),
            ondelete="SET NULL",
        ),  # fmt: skip
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_actions_case_id_cases"),
            ondelete="CASCADE",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_actions")),
    )
    with op.batch_alter_table("case_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_actions_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(
            "ix_case_actions_case_id_taken_on", ["case_id", "taken_on"], unique=False
        )

    # Existing cases become "normal" priority, unassigned, at version 1.
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("priority", sa.String(length=8), server_default="normal", nullable=False)
        )
        batch_op.add_column(sa.Column("assigned_rep_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.create_check_constraint(
            op.f("ck_cases_priority_valid"), f"priority IN ({_in(PRIORITIES)})"
        )
        batch_op.create_index(
            batch_op.f("ix_cases_assigned_rep_id"), ["assigned_rep_id"], unique=False
        )
        batch_op.create_index("ix_cases_chapter_id_status", ["chapter_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_updated_at"), ["updated_at"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_assigned_rep_id_users"), "users", ["assigned_rep_id"], ["id"],
            ondelete="SET NULL",
        )  # fmt: skip

    # New kinds of timeline events. SQLite cannot alter a CHECK in place: batch mode
    # rebuilds case_events with the new one.
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_case_events_kind_valid"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_case_events_kind_valid"), f"kind IN ({_in(KINDS_AFTER)})"
        )


def downgrade():
    new_kinds = tuple(kind for kind in KINDS_AFTER if kind not in KINDS_BEFORE)
    # The kinds are this file's own constants, not input.
    op.execute(f"DELETE FROM case_events WHERE kind IN ({_in(new_kinds)})")  # noqa: S608
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_case_events_kind_valid"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_case_events_kind_valid"), f"kind IN ({_in(KINDS_BEFORE)})"
        )

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cases_assigned_rep_id_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_cases_updated_at"))
        batch_op.drop_index("ix_cases_chapter_id_status")
        batch_op.drop_index(batch_op.f("ix_cases_assigned_rep_id"))
        batch_op.drop_constraint(op.f("ck_cases_priority_valid"), type_="check")
        batch_op.drop_column("version")
        batch_op.drop_column("assigned_rep_id")
        batch_op.drop_column("priority")

    with op.batch_alter_table("case_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_case_actions_case_id_taken_on")
        batch_op.drop_index(batch_op.f("ix_case_actions_actor_id"))
    op.drop_table("case_actions")

    with op.batch_alter_table("saved_views", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_views_rep_id"))
    op.drop_table("saved_views")
