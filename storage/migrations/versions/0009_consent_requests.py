"""Consent requests: a case of its own kind, on the same sealing, alerts and receipts.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report_case") as table:
        # Every case so far was a concern.
        table.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="concern"))
        table.create_index("ix_report_case_kind", ["kind"])


def downgrade() -> None:
    with op.batch_alter_table("report_case") as table:
        table.drop_index("ix_report_case_kind")
        table.drop_column("kind")
