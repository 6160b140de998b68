"""Case handling: the reporter's own key (to read replies), referral and closing facts.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report_case") as table:
        table.add_column(sa.Column("reporter_public_key", sa.LargeBinary(), nullable=True))
        table.add_column(sa.Column("reporter_locked_key", sa.LargeBinary(), nullable=True))
        table.add_column(sa.Column("reporter_key_salt", sa.LargeBinary(), nullable=True))
        table.add_column(sa.Column("referred_to", sa.String(100), nullable=True))
        table.add_column(sa.Column("referred_at", UtcDateTime(), nullable=True))
        table.add_column(sa.Column("closed_reason", sa.String(32), nullable=True))
        table.add_column(sa.Column("closed_at", UtcDateTime(), nullable=True))
    with op.batch_alter_table("case_entry") as table:
        table.add_column(sa.Column("reporter_key", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_entry") as table:
        table.drop_column("reporter_key")
    with op.batch_alter_table("report_case") as table:
        for column in (
            "closed_at",
            "closed_reason",
            "referred_at",
            "referred_to",
            "reporter_key_salt",
            "reporter_locked_key",
            "reporter_public_key",
        ):
            table.drop_column(column)
