"""notices: index (chapter_id, status, submitted_at) for the digest's new notices of a
period (the load benchmark's profile: without it each rep's digest read every submitted
notice of their chapters)

Revision ID: 7d3f0c2a9b41
Revises: 1532f891d275
Create Date: 2026-11-29 14:40:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "7d3f0c2a9b41"
down_revision = "1532f891d275"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notices_chapter_id_status_submitted_at",
            ["chapter_id", "status", "submitted_at"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index("ix_notices_chapter_id_status_submitted_at")
