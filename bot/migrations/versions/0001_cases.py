"""Cases and verification attempts.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_number", sa.String(20), nullable=False, unique=True),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("law", sa.String(6), nullable=False),
        sa.Column("route", sa.String(10)),
        sa.Column("pip_date", sa.Date()),
        sa.Column("duty_start_date", sa.Date()),
        sa.Column("extension_until", sa.Date()),
        sa.Column("reading", sa.String(8)),
        sa.Column("listening", sa.String(8)),
        sa.Column("writing", sa.String(8)),
        sa.Column("speaking", sa.String(8)),
        sa.Column("knm", sa.String(8)),
        sa.Column("pvt_done", sa.Boolean()),
        sa.Column("map_done", sa.Boolean()),
        sa.Column("loan_granted_cents", sa.Integer()),
        sa.Column("loan_used_cents", sa.Integer()),
        sa.Column("contact_name", sa.String(200)),
        sa.Column("contact_email", sa.String(200)),
        sa.Column("contact_phone", sa.String(50)),
        sa.Column("municipality", sa.String(200)),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "verification_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sender_hash", sa.String(64), nullable=False, index=True),
        sa.Column("case_hash", sa.String(64), nullable=False, index=True),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("verification_attempts")
    op.drop_table("cases")
