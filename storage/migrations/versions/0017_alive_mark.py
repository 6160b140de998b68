"""The alive mark: when the bot was last seen running, so that a start can say how long it was
down.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0017"
# Until retention's 0016 is merged beside it, this follows 0015 (see the branch's notes).
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alive_mark",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_alive_mark")),
    )


def downgrade() -> None:
    op.drop_table("alive_mark")
