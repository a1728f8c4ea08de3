"""Verification attempts name what was tried neutrally: a case or a complaint (`subject_hash`).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _rename(old: str, new: str) -> None:
    op.drop_index(f"ix_verification_attempts_{old}", table_name="verification_attempts")
    with op.batch_alter_table("verification_attempts") as batch:
        batch.alter_column(old, new_column_name=new)
    op.create_index(f"ix_verification_attempts_{new}", "verification_attempts", [new])


def upgrade() -> None:
    _rename("case_hash", "subject_hash")


def downgrade() -> None:
    _rename("subject_hash", "case_hash")
