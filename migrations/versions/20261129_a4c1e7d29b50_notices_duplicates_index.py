"""notices: index (chapter_id, kind, notified_on) for a case page's duplicate suggestions
(same kind, told within five days: without it the page read every submitted notice of
the chapter, 3-7 ms at 100,000 cases)

Revision ID: a4c1e7d29b50
Revises: 7d3f0c2a9b41
Create Date: 2026-11-29 16:55:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "a4c1e7d29b50"
down_revision = "7d3f0c2a9b41"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notices_chapter_id_kind_notified_on",
            ["chapter_id", "kind", "notified_on"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index("ix_notices_chapter_id_kind_notified_on")
