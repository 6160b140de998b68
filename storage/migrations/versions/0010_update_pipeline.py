"""The update pipeline: the erase trail as rows, set-aside updates, draft voice notes fetched
before the transaction, and due-time indexes so that sweeps read only what is due.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

OPEN_STATUSES = ("awaiting_alert", "alerted", "acknowledged", "assessing")


def upgrade() -> None:
    op.create_table(
        "chat_trail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_key", sa.String(64), nullable=False),
        sa.Column("batch", sa.String(32), nullable=False),
        sa.Column("sealed_id", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_trail")),
    )
    op.create_index(op.f("ix_chat_trail_chat_key"), "chat_trail", ["chat_key"])
    op.create_index(op.f("ix_chat_trail_created_at"), "chat_trail", ["created_at"])
    op.create_table(
        "set_aside_update",
        sa.Column("bot_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("update_type", sa.String(32), nullable=False),
        sa.Column("error", sa.String(64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("bot_id", "update_id", name=op.f("pk_set_aside_update")),
    )
    op.create_index(op.f("ix_set_aside_update_at"), "set_aside_update", ["at"])
    op.create_table(
        "draft_voice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_key", sa.String(64), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_voice")),
    )
    op.create_index(op.f("ix_draft_voice_draft_key"), "draft_voice", ["draft_key"])
    op.create_index(op.f("ix_draft_voice_created_at"), "draft_voice", ["created_at"])
    with op.batch_alter_table("report_case") as table:
        table.add_column(sa.Column("next_reminder_at", UtcDateTime(), nullable=True))
        table.create_index("ix_report_case_next_reminder_at", ["next_reminder_at"])
    # Open cases are due at once: the first sweep works out their next reminder (the outbox's
    # once-only purposes keep a reminder already sent from going twice).
    report_case = sa.table(
        "report_case",
        sa.column("status", sa.String),
        sa.column("received_at", UtcDateTime()),
        sa.column("next_reminder_at", UtcDateTime()),
    )
    op.execute(
        report_case.update()
        .where(report_case.c.status.in_(OPEN_STATUSES))
        .values(next_reminder_at=report_case.c.received_at)
    )
    op.create_index("ix_outbox_message_due", "outbox_message", ["status", "not_before"])


def downgrade() -> None:
    op.drop_index("ix_outbox_message_due", table_name="outbox_message")
    with op.batch_alter_table("report_case") as table:
        table.drop_index("ix_report_case_next_reminder_at")
        table.drop_column("next_reminder_at")
    op.drop_index(op.f("ix_draft_voice_created_at"), table_name="draft_voice")
    op.drop_index(op.f("ix_draft_voice_draft_key"), table_name="draft_voice")
    op.drop_table("draft_voice")
    op.drop_index(op.f("ix_set_aside_update_at"), table_name="set_aside_update")
    op.drop_table("set_aside_update")
    op.drop_index(op.f("ix_chat_trail_created_at"), table_name="chat_trail")
    op.drop_index(op.f("ix_chat_trail_chat_key"), table_name="chat_trail")
    op.drop_table("chat_trail")
