"""Wrong guesses remember when the last one was, so that each try can wait longer than the one
before (staff passphrases: growing delays, then a lock-out).

Existing rows get no time: their next wrong guess sets it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("guess_counter") as batch:
        batch.add_column(sa.Column("last_failure_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("guess_counter") as batch:
        batch.drop_column("last_failure_at")
