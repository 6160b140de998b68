"""Suspending a member named in a concern: when their access was paused, and which staff member
each waiting outbox message is for (so that what waits for them can be dropped).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_member") as table:
        table.add_column(sa.Column("suspended_at", UtcDateTime(), nullable=True))
    with op.batch_alter_table("outbox_message") as table:
        table.add_column(sa.Column("member_id", sa.Integer(), nullable=True))
        table.create_index(op.f("ix_outbox_message_member_id"), ["member_id"])


def downgrade() -> None:
    with op.batch_alter_table("outbox_message") as table:
        table.drop_index(op.f("ix_outbox_message_member_id"))
        table.drop_column("member_id")
    with op.batch_alter_table("staff_member") as table:
        table.drop_column("suspended_at")
