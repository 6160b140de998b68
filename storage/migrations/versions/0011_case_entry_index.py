"""An index on a case's entries: finding who may read a case (every alert, reminder and reply)
looked through every entry of every case.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_case_entry_case_id"), "case_entry", ["case_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_case_entry_case_id"), table_name="case_entry")
