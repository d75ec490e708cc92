"""Lots: one lot number per item and clinic as people type it (case, spaces and hyphens set aside)

Recalls already match the folded number; stock now refuses "xl 2291 a" beside "XL-2291-A".

Revision ID: 0017_lot_number_key_unique
Revises: 0016_languages
Create Date: 2026-12-07 15:25:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017_lot_number_key_unique"
down_revision = "0016_languages"
branch_labels = None
depends_on = None


def upgrade():
    duplicates = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT clinic_id, item_key, number_key FROM lots"
                " GROUP BY clinic_id, item_key, number_key HAVING COUNT(*) > 1"
            )
        )
        .fetchall()
    )
    if duplicates:
        # Which of two records of one lot is right is the clinic's to say, not a migration's.
        raise RuntimeError(
            f"{len(duplicates)} lot number(s) are stocked twice for one item, written differently "
            "(case, spaces, hyphens); merge each pair, then upgrade again."
        )
    op.create_index("uq_lots_clinic_item_number_key", "lots", ["clinic_id", "item_key", "number_key"], unique=True)


def downgrade():
    op.drop_index("uq_lots_clinic_item_number_key", table_name="lots")
