"""index enterprises by registration date for keyset pagination

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 16:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_enterprises_registered_on_id", "enterprises", ["registered_on", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_enterprises_registered_on_id", table_name="enterprises")
