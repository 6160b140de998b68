"""The escalation ladder on each case: tier, round, next alert time, acknowledgement.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report_case") as table:
        table.add_column(sa.Column("tier", sa.Integer(), nullable=False, server_default="0"))
        table.add_column(sa.Column("alert_round", sa.Integer(), nullable=False, server_default="0"))
        table.add_column(sa.Column("next_alert_at", UtcDateTime(), nullable=True))
        table.add_column(sa.Column("acknowledged_by", sa.Integer(), nullable=True))
        table.add_column(sa.Column("acknowledged_at", UtcDateTime(), nullable=True))
        table.create_index(op.f("ix_report_case_next_alert_at"), ["next_alert_at"])
        table.create_foreign_key(
            op.f("fk_report_case_acknowledged_by_staff_member"),
            "staff_member",
            ["acknowledged_by"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("report_case") as table:
        table.drop_constraint(
            op.f("fk_report_case_acknowledged_by_staff_member"), type_="foreignkey"
        )
        table.drop_index(op.f("ix_report_case_next_alert_at"))
        table.drop_column("acknowledged_at")
        table.drop_column("acknowledged_by")
        table.drop_column("next_alert_at")
        table.drop_column("alert_round")
        table.drop_column("tier")
