"""Reader keys, sealed cases and their entries, and wrong-guess counters.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("activity", sa.String(32), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("pseudonym", sa.String(64), nullable=True),
        sa.Column("public_key", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_member")),
        sa.UniqueConstraint("pseudonym", name=op.f("uq_staff_member_pseudonym")),
    )
    op.create_table(
        "report_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("audience", sa.String(16), nullable=False),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("category", sa.String(32), nullable=True),
        sa.Column("activity", sa.String(32), nullable=True),
        sa.Column("about_officer", sa.Boolean(), nullable=False),
        sa.Column("wants_reply", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("deadline_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("receipt_hash", sa.String(200), nullable=False),
        sa.Column("reply_route", sa.LargeBinary(), nullable=True),
        sa.Column("submission_key", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_case")),
        sa.UniqueConstraint("code", name=op.f("uq_report_case_code")),
        sa.UniqueConstraint("submission_key", name=op.f("uq_report_case_submission_key")),
    )
    op.create_index(op.f("ix_report_case_status"), "report_case", ["status"])
    op.create_index(op.f("ix_report_case_deadline_at"), "report_case", ["deadline_at"])
    op.create_table(
        "case_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("suite", sa.String(64), nullable=False),
        sa.Column("format_version", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.LargeBinary(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["report_case.id"],
            name=op.f("fk_case_entry_case_id_report_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_entry")),
        sa.UniqueConstraint("token", name=op.f("uq_case_entry_token")),
    )
    op.create_table(
        "entry_key",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("reader_id", sa.Integer(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["case_entry.id"],
            name=op.f("fk_entry_key_entry_id_case_entry"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reader_id"], ["staff_member.id"], name=op.f("fk_entry_key_reader_id_staff_member")
        ),
        sa.PrimaryKeyConstraint("entry_id", "reader_id", name=op.f("pk_entry_key")),
    )
    op.create_table(
        "guess_counter",
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("window_start", UtcDateTime(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("subject", name=op.f("pk_guess_counter")),
    )


def downgrade() -> None:
    op.drop_table("guess_counter")
    op.drop_table("entry_key")
    op.drop_table("case_entry")
    op.drop_index(op.f("ix_report_case_deadline_at"), table_name="report_case")
    op.drop_index(op.f("ix_report_case_status"), table_name="report_case")
    op.drop_table("report_case")
    op.drop_table("staff_member")
