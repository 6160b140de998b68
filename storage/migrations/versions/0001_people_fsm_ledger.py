"""People by pseudonym, the sealed FSM storage, and the update ledger.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column("pseudonym", sa.String(64), nullable=False),
        sa.Column("locale", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym", name=op.f("pk_person")),
    )
    op.create_table(
        "fsm_record",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("destiny", sa.String(16), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_fsm_record")),
    )
    op.create_index(op.f("ix_fsm_record_updated_at"), "fsm_record", ["updated_at"])
    op.create_index(op.f("ix_fsm_record_destiny"), "fsm_record", ["destiny"])
    op.create_table(
        "handled_update",
        sa.Column("bot_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("handled_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("bot_id", "update_id", name=op.f("pk_handled_update")),
    )
    op.create_index(op.f("ix_handled_update_handled_at"), "handled_update", ["handled_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_handled_update_handled_at"), table_name="handled_update")
    op.drop_table("handled_update")
    op.drop_index(op.f("ix_fsm_record_destiny"), table_name="fsm_record")
    op.drop_index(op.f("ix_fsm_record_updated_at"), table_name="fsm_record")
    op.drop_table("fsm_record")
    op.drop_table("person")
