"""Languages: a practitioner's pages (none: the browser's), a patient's sheet (English by default)

Revision ID: 0016_languages
Revises: 0015_list_indexes
Create Date: 2026-12-04 20:46:19.581497
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_languages"
down_revision = "0015_list_indexes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), server_default="en", nullable=False))
    with op.batch_alter_table("practitioners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("practitioners", schema=None) as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_column("language")
