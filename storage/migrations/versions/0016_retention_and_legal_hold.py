"""Retention and legal hold: who put a case on hold and when, and which case an outgoing
message belongs to (so that deleting the case deletes its messages too).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report_case") as table:
        table.add_column(sa.Column("legal_hold_at", UtcDateTime(), nullable=True))
        table.add_column(sa.Column("legal_hold_by", sa.Integer(), nullable=True))
        table.create_foreign_key(
            op.f("fk_report_case_legal_hold_by_staff_member"),
            "staff_member",
            ["legal_hold_by"],
            ["id"],
        )
    with op.batch_alter_table("outbox_message") as table:
        table.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        table.create_index(op.f("ix_outbox_message_case_id"), ["case_id"])


def downgrade() -> None:
    with op.batch_alter_table("outbox_message") as table:
        table.drop_index(op.f("ix_outbox_message_case_id"))
        table.drop_column("case_id")
    with op.batch_alter_table("report_case") as table:
        table.drop_constraint(op.f("fk_report_case_legal_hold_by_staff_member"), type_="foreignkey")
        table.drop_column("legal_hold_by")
        table.drop_column("legal_hold_at")
