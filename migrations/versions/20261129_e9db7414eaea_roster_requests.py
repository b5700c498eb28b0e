"""roster requests: management's solicitations and nominations, the members they were
sent to and each answer they gave, their documents and linked notices; the union's
information requests for the roster (7114(b)(4)) with their items, course and deadlines

Revision ID: e9db7414eaea
Revises: 4bc816557ebb
Create Date: 2026-11-29 13:14:07.708809

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e9db7414eaea"
down_revision = "4bc816557ebb"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "roster_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chapter_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="recorded", nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("requested_by_name", sa.String(length=200), nullable=True),
        sa.Column("requested_by_title", sa.String(length=200), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("office", sa.String(length=200), nullable=True),
        sa.Column("receiving_agency_id", sa.Integer(), nullable=True),
        sa.Column("receiving_unit", sa.String(length=200), nullable=True),
        sa.Column("duties_other", sa.String(length=200), nullable=True),
        sa.Column("people_requested", sa.Integer(), nullable=True),
        sa.Column("duration", sa.String(length=200), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("communicated_on", sa.Date(), nullable=True),
        sa.Column("how_communicated", sa.String(length=16), nullable=True),
        sa.Column("reply_by", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "how_communicated IN ('email', 'memo', 'meeting', 'phone', 'text', 'other')",
            name=op.f("ck_roster_requests_how_communicated_valid"),
        ),
        sa.CheckConstraint(
            "status IN ('recorded', 'sent', 'closed')", name=op.f("ck_roster_requests_status_valid")
        ),
        sa.CheckConstraint(
            "people_requested IS NULL OR people_requested > 0",
            name=op.f("ck_roster_requests_people_requested_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_roster_requests_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_roster_requests_case_id_cases"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["chapter_id"], ["chapters.id"], name=op.f("fk_roster_requests_chapter_id_chapters")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_roster_requests_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["receiving_agency_id"],
            ["agencies.id"],
            name=op.f("fk_roster_requests_receiving_agency_id_agencies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_requests")),
    )
    with op.batch_alter_table("roster_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_roster_requests_agency_id"), ["agency_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_roster_requests_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "ix_roster_requests_chapter_id_reply_by", ["chapter_id", "reply_by"], unique=False
        )

    op.create_table(
        "roster_info_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("roster_request_id", sa.Integer(), nullable=False),
        sa.Column("chapter_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="draft", nullable=False),
        sa.Column("addressee_name", sa.String(length=200), nullable=True),
        sa.Column("addressee_title", sa.String(length=200), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("opening", sa.Text(), nullable=False),
        sa.Column("closing", sa.Text(), nullable=False),
        sa.Column("signer_name", sa.String(length=200), nullable=True),
        sa.Column("signer_title", sa.String(length=200), nullable=True),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("due_rule", sa.String(length=300), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("answer_text", sa.Text(), nullable=True),
        sa.Column("deadline_id", sa.Integer(), nullable=True),
        sa.Column("ulp_deadline_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'sent', 'awaiting', 'overdue', 'clarification', 'answered_part', 'answered_full', 'refused', 'no_data')",
            name=op.f("ck_roster_info_requests_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_roster_info_requests_case_id_cases"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["chapter_id"],
            ["chapters.id"],
            name=op.f("fk_roster_info_requests_chapter_id_chapters"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_roster_info_requests_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["deadline_id"],
            ["deadlines.id"],
            name=op.f("fk_roster_info_requests_deadline_id_deadlines"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["roster_request_id"],
            ["roster_requests.id"],
            name=op.f("fk_roster_info_requests_roster_request_id_roster_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ulp_deadline_id"],
            ["deadlines.id"],
            name=op.f("fk_roster_info_requests_ulp_deadline_id_deadlines"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_info_requests")),
    )
    with op.batch_alter_table("roster_info_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_roster_info_requests_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_roster_info_requests_chapter_id"), ["chapter_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_roster_info_requests_roster_request_id"),
            ["roster_request_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_roster_info_requests_status_due_on", ["status", "due_on"], unique=False
        )

    op.create_table(
        "roster_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("roster_request_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminder_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "answer IN ('available', 'unavailable', 'objects', 'volunteered', 'named_unasked')",
            name=op.f("ck_roster_recipients_answer_valid"),
        ),
        sa.CheckConstraint(
            "reminder_count >= 0", name=op.f("ck_roster_recipients_reminder_count_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_roster_recipients_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["roster_request_id"],
            ["roster_requests.id"],
            name=op.f("fk_roster_recipients_roster_request_id_roster_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_id"],
            ["users.id"],
            name=op.f("fk_roster_recipients_sent_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_roster_recipients_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_recipients")),
        sa.UniqueConstraint(
            "roster_request_id",
            "user_id",
            name=op.f("uq_roster_recipients_roster_request_id_user_id"),
        ),
    )
    with op.batch_alter_table("roster_recipients", schema=None) as batch_op:
        batch_op.create_index(
            "ix_roster_recipients_roster_request_id_answer",
            ["roster_request_id", "answer"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_roster_recipients_user_id"), ["user_id"], unique=False)

    op.create_table(
        "roster_request_duties",
        sa.Column("roster_request_id", sa.Integer(), nullable=False),
        sa.Column("duty", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "duty IN ('arrests', 'transport', 'detention', 'dockets', 'investigations', 'contract_oversight', 'administrative', 'other')",
            name=op.f("ck_roster_request_duties_duty_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["roster_request_id"],
            ["roster_requests.id"],
            name=op.f("fk_roster_request_duties_roster_request_id_roster_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("roster_request_id", "duty", name=op.f("pk_roster_request_duties")),
    )
    op.create_table(
        "roster_request_notices",
        sa.Column("roster_request_id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.id"],
            name=op.f("fk_roster_request_notices_notice_id_notices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["roster_request_id"],
            ["roster_requests.id"],
            name=op.f("fk_roster_request_notices_roster_request_id_roster_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "roster_request_id", "notice_id", name=op.f("pk_roster_request_notices")
        ),
    )
    with op.batch_alter_table("roster_request_notices", schema=None) as batch_op:
        batch_op.create_index("ix_roster_request_notices_notice_id", ["notice_id"], unique=False)

    op.create_table(
        "roster_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=5000), nullable=True),
        sa.Column("comment", sa.String(length=5000), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "answer <> 'objects' OR reason IS NOT NULL",
            name=op.f("ck_roster_answers_objection_has_reason"),
        ),
        sa.CheckConstraint(
            "answer IN ('available', 'unavailable', 'objects', 'volunteered', 'named_unasked')",
            name=op.f("ck_roster_answers_answer_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["roster_recipients.id"],
            name=op.f("fk_roster_answers_recipient_id_roster_recipients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_answers")),
    )
    with op.batch_alter_table("roster_answers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_roster_answers_recipient_id_at", ["recipient_id", "at"], unique=False
        )

    op.create_table(
        "roster_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("roster_request_id", sa.Integer(), nullable=False),
        sa.Column("info_request_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "role IN ('source', 'answer')", name=op.f("ck_roster_documents_role_valid")
        ),
        sa.ForeignKeyConstraint(
            ["info_request_id"],
            ["roster_info_requests.id"],
            name=op.f("fk_roster_documents_info_request_id_roster_info_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["roster_request_id"],
            ["roster_requests.id"],
            name=op.f("fk_roster_documents_roster_request_id_roster_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_roster_documents_uploaded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_documents")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_roster_documents_stored_name")),
    )
    with op.batch_alter_table("roster_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_roster_documents_info_request_id"), ["info_request_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_roster_documents_roster_request_id"), ["roster_request_id"], unique=False
        )

    op.create_table(
        "roster_info_request_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("info_request_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("status_from", sa.String(length=16), nullable=True),
        sa.Column("status_to", sa.String(length=16), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status_to IN ('draft', 'sent', 'awaiting', 'overdue', 'clarification', 'answered_part', 'answered_full', 'refused', 'no_data')",
            name=op.f("ck_roster_info_request_changes_status_to_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_roster_info_request_changes_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["info_request_id"],
            ["roster_info_requests.id"],
            name=op.f("fk_roster_info_request_changes_info_request_id_roster_info_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_info_request_changes")),
    )
    with op.batch_alter_table("roster_info_request_changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_roster_info_request_changes_info_request_id_at",
            ["info_request_id", "at"],
            unique=False,
        )

    op.create_table(
        "roster_info_request_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("info_request_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=5000), nullable=False),
        sa.Column("why", sa.String(length=10000), nullable=False),
        sa.Column("use", sa.String(length=10000), nullable=False),
        sa.Column("relation", sa.String(length=10000), nullable=False),
        sa.ForeignKeyConstraint(
            ["info_request_id"],
            ["roster_info_requests.id"],
            name=op.f("fk_roster_info_request_items_info_request_id_roster_info_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_info_request_items")),
        sa.UniqueConstraint(
            "info_request_id",
            "position",
            name=op.f("uq_roster_info_request_items_info_request_id_position"),
        ),
    )


def downgrade():
    op.drop_table("roster_info_request_items")
    with op.batch_alter_table("roster_info_request_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_roster_info_request_changes_info_request_id_at")

    op.drop_table("roster_info_request_changes")
    with op.batch_alter_table("roster_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roster_documents_roster_request_id"))
        batch_op.drop_index(batch_op.f("ix_roster_documents_info_request_id"))

    op.drop_table("roster_documents")
    with op.batch_alter_table("roster_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_roster_answers_recipient_id_at")

    op.drop_table("roster_answers")
    with op.batch_alter_table("roster_request_notices", schema=None) as batch_op:
        batch_op.drop_index("ix_roster_request_notices_notice_id")

    op.drop_table("roster_request_notices")
    op.drop_table("roster_request_duties")
    with op.batch_alter_table("roster_recipients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roster_recipients_user_id"))
        batch_op.drop_index("ix_roster_recipients_roster_request_id_answer")

    op.drop_table("roster_recipients")
    with op.batch_alter_table("roster_info_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_roster_info_requests_status_due_on")
        batch_op.drop_index(batch_op.f("ix_roster_info_requests_roster_request_id"))
        batch_op.drop_index(batch_op.f("ix_roster_info_requests_chapter_id"))
        batch_op.drop_index(batch_op.f("ix_roster_info_requests_case_id"))

    op.drop_table("roster_info_requests")
    with op.batch_alter_table("roster_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_roster_requests_chapter_id_reply_by")
        batch_op.drop_index(batch_op.f("ix_roster_requests_case_id"))
        batch_op.drop_index(batch_op.f("ix_roster_requests_agency_id"))

    op.drop_table("roster_requests")
