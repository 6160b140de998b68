"""The audit chain's anchor: the count of events and the last digest, so that deleting the newest
events is caught.

The table starts empty, even on a database that already has events: the anchor is authenticated
with a key derived from SAFEPERSON_SECRET, which migrations do not have. The first event recorded
after the upgrade creates it from the chain as it then is, so protection against deleting the
newest events starts from the upgrade; what was removed from the end before it cannot be seen.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_anchor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("head", sa.String(64), nullable=False),
        sa.Column("key_check", sa.String(64), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_anchor")),
    )


def downgrade() -> None:
    op.drop_table("audit_anchor")
