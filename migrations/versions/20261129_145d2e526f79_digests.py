"""digests: each rep's digest preference, one delivery row per (rep, period) whose unique
key is the claim, and the scheduler's per-job health

Revision ID: 145d2e526f79
Revises: e9db7414eaea
Create Date: 2026-11-29 13:16:40.590454

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "145d2e526f79"
down_revision = "e9db7414eaea"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scheduler_jobs",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("interval_seconds", sa.Integer(), server_default="60", nullable=False),
        sa.Column("runs", sa.Integer(), server_default="0", nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_succeeded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_runner", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_jobs")),
    )
    op.create_table(
        "digest_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("frequency", sa.String(length=8), server_default="off", nullable=False),
        sa.Column("hour", sa.Integer(), server_default="7", nullable=False),
        sa.Column("weekday", sa.Integer(), server_default="0", nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("send_when_empty", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("unsubscribe_token", sa.String(length=64), nullable=False),
        sa.Column("schedule_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "frequency IN ('off', 'daily', 'weekly')",
            name=op.f("ck_digest_preferences_frequency_valid"),
        ),
        sa.CheckConstraint("hour BETWEEN 0 AND 23", name=op.f("ck_digest_preferences_hour_valid")),
        sa.CheckConstraint(
            "weekday BETWEEN 0 AND 6", name=op.f("ck_digest_preferences_weekday_valid")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_digest_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_preferences")),
        sa.UniqueConstraint(
            "unsubscribe_token", name=op.f("uq_digest_preferences_unsubscribe_token")
        ),
        sa.UniqueConstraint("user_id", name=op.f("uq_digest_preferences_user_id")),
    )
    with op.batch_alter_table("digest_preferences", schema=None) as batch_op:
        batch_op.create_index("ix_digest_preferences_frequency", ["frequency"], unique=False)

    op.create_table(
        "digest_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.String(length=32), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="claimed", nullable=False),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('claimed', 'queued', 'failed', 'skipped_empty')",
            name=op.f("ck_digest_deliveries_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["outbox_message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_digest_deliveries_outbox_message_id_outbox_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_digest_deliveries_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_deliveries")),
        # The claim: one delivery per rep and period, whichever process gets there first.
        sa.UniqueConstraint(
            "user_id", "period_key", name=op.f("uq_digest_deliveries_user_id_period_key")
        ),
    )
    with op.batch_alter_table("digest_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_digest_deliveries_created_at", ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_digest_deliveries_outbox_message_id"),
            ["outbox_message_id"],
            unique=False,
        )
        batch_op.create_index("ix_digest_deliveries_period_key", ["period_key"], unique=False)


def downgrade():
    with op.batch_alter_table("digest_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_digest_deliveries_period_key")
        batch_op.drop_index(batch_op.f("ix_digest_deliveries_outbox_message_id"))
        batch_op.drop_index("ix_digest_deliveries_created_at")

    op.drop_table("digest_deliveries")
    with op.batch_alter_table("digest_preferences", schema=None) as batch_op:
        batch_op.drop_index("ix_digest_preferences_frequency")

    op.drop_table("digest_preferences")
    op.drop_table("scheduler_jobs")
