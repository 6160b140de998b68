"""Scheduled deletions: decrypted reports shown to a reader are deleted after a while.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_deletion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("route", sa.LargeBinary(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_deletion")),
    )
    op.create_index(op.f("ix_scheduled_deletion_due_at"), "scheduled_deletion", ["due_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_scheduled_deletion_due_at"), table_name="scheduled_deletion")
    op.drop_table("scheduled_deletion")
