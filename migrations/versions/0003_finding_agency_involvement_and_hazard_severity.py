"""findings record the agency's involvement (WX Art.26(7)) and a hazard's severity and reporter (DX Art.13(1))

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 13:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing findings carry no determination: not attributed to the agency, severity unknown.
    op.add_column(
        "enterprise_findings",
        sa.Column("agency_involved", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("enterprise_findings", sa.Column("hazard_severity", sa.String(length=16), nullable=True))
    op.add_column("enterprise_findings", sa.Column("reported_by", sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column("enterprise_findings", "reported_by")
    op.drop_column("enterprise_findings", "hazard_severity")
    op.drop_column("enterprise_findings", "agency_involved")
