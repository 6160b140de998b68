"""Voice prompts: the organisation's recordings of the key child-facing messages, one per
language and message, sealed with the server key.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voice_prompt",
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("prompt_key", sa.String(32), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["staff_member.id"],
            name=op.f("fk_voice_prompt_recorded_by_staff_member"),
        ),
        sa.PrimaryKeyConstraint("language", "prompt_key", name=op.f("pk_voice_prompt")),
    )


def downgrade() -> None:
    op.drop_table("voice_prompt")
