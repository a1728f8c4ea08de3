"""Complaints and referrals.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("reference", sa.String(20), unique=True),
        sa.Column("code_hash", sa.String(64)),
        sa.Column("sender_id", sa.String(255), nullable=False, index=True),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("body", sa.String(20), nullable=False),
        sa.Column("theme", sa.String(20)),
        sa.Column("what", sa.Text()),
        sa.Column("happened_when", sa.String(200)),
        sa.Column("wish", sa.Text()),
        sa.Column("contact", sa.String(200)),
        sa.Column("status", sa.String(12), nullable=False, index=True),
        sa.Column("public_answer", sa.Text()),
        sa.Column("answer_pending", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(), nullable=False, index=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("complaints")
