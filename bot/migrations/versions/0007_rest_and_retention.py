"""A complaint's sender becomes NULL when retention anonymises it, instead of the pseudo-sender "anonymised"
that a REST caller could claim to be.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-11
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

LEGACY_ANONYMOUS = "anonymised"  # what retention wrote before this revision


def upgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.alter_column("sender_id", existing_type=sa.String(255), nullable=True)
    complaints = sa.table("complaints", sa.column("sender_id", sa.String(255)))
    op.execute(complaints.update().where(complaints.c.sender_id == LEGACY_ANONYMOUS).values(sender_id=None))


def downgrade() -> None:
    complaints = sa.table("complaints", sa.column("sender_id", sa.String(255)))
    op.execute(complaints.update().where(complaints.c.sender_id.is_(None)).values(sender_id=LEGACY_ANONYMOUS))
    with op.batch_alter_table("complaints") as batch:
        batch.alter_column("sender_id", existing_type=sa.String(255), nullable=False)
