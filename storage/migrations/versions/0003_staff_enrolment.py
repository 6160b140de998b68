"""Staff enrolment: one-time invitation codes and passphrase-locked private keys.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_member") as table:
        table.add_column(sa.Column("locked_private_key", sa.LargeBinary(), nullable=True))
        table.add_column(sa.Column("key_salt", sa.LargeBinary(), nullable=True))
        table.add_column(sa.Column("alert_route", sa.LargeBinary(), nullable=True))
        table.add_column(sa.Column("invite_hash", sa.String(64), nullable=True))
        table.add_column(sa.Column("invite_expires_at", UtcDateTime(), nullable=True))
        table.create_unique_constraint(op.f("uq_staff_member_invite_hash"), ["invite_hash"])


def downgrade() -> None:
    with op.batch_alter_table("staff_member") as table:
        table.drop_constraint(op.f("uq_staff_member_invite_hash"), type_="unique")
        table.drop_column("invite_expires_at")
        table.drop_column("invite_hash")
        table.drop_column("alert_route")
        table.drop_column("key_salt")
        table.drop_column("locked_private_key")
