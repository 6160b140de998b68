"""Indexes for the ladder's sweeps: a status (or kind) and the due time together, so that a
sweep reads only the due cases, soonest first, however many cases are pending.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_report_case_status_next_alert_at", "report_case", ["status", "next_alert_at"]
    )
    op.create_index(
        "ix_report_case_kind_next_reminder_at", "report_case", ["kind", "next_reminder_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_report_case_kind_next_reminder_at", table_name="report_case")
    op.drop_index("ix_report_case_status_next_alert_at", table_name="report_case")
