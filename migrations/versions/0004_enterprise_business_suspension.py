"""enterprises record a business suspension (歇业备案, WX Art.12)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # No enterprise has filed one yet: the new state and its date start empty.
    op.add_column("enterprises", sa.Column("business_suspended_on", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("enterprises", "business_suspended_on")
