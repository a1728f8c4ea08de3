"""Console access: disabled accounts, login failures per (account, address) instead of an account lock, and
routing a case to its contact person by username.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("disabled_at", sa.DateTime()))
        batch.drop_column("failed_logins")  # the account-wide lock that strangers could trigger
        batch.drop_column("locked_until")
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("contact_username", sa.String(80)))
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_failed_at", sa.DateTime(), nullable=False),
        sa.Column("blocked_until", sa.DateTime()),
    )
    op.create_index("ix_login_failures_last_failed_at", "login_failures", ["last_failed_at"])


def downgrade() -> None:
    op.drop_index("ix_login_failures_last_failed_at", table_name="login_failures")
    op.drop_table("login_failures")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("contact_username")
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("locked_until", sa.DateTime()))
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch.drop_column("disabled_at")
