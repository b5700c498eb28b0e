"""statement reviews: a rep's anonymized text of a consenting member's statement and the
decision on it (one per notice; deleted when the member withdraws consent)

Revision ID: 1532f891d275
Revises: 145d2e526f79
Create Date: 2026-11-29 13:41:27.683429

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "1532f891d275"
down_revision = "145d2e526f79"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "statement_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("chapter_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')",
            name=op.f("ck_statement_reviews_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["chapter_id"],
            ["chapters.id"],
            name=op.f("fk_statement_reviews_chapter_id_chapters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.id"],
            name=op.f("fk_statement_reviews_notice_id_notices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["users.id"],
            name=op.f("fk_statement_reviews_reviewer_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_reviews")),
        sa.UniqueConstraint("notice_id", name=op.f("uq_statement_reviews_notice_id")),
    )
    with op.batch_alter_table("statement_reviews", schema=None) as batch_op:
        batch_op.create_index(
            "ix_statement_reviews_chapter_id_status", ["chapter_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_statement_reviews_reviewer_id"), ["reviewer_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("statement_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statement_reviews_reviewer_id"))
        batch_op.drop_index("ix_statement_reviews_chapter_id_status")

    op.drop_table("statement_reviews")
