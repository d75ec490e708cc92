"""Ingredient lists in each filter's order: composite indexes that hand rows over sorted

Revision ID: 0015_list_indexes
Revises: 0014_catalogue_version
Create Date: 2026-12-04 20:42:10.014512

A category or origin list walks its own index in name order and stops once the page is full,
instead of sorting every match; the `updated` orderings get an index of their own.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0015_list_indexes"
down_revision = "0014_catalogue_version"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_ingredients_category_code", table_name="ingredients")
    op.drop_index("ix_ingredients_origin", table_name="ingredients")
    op.create_index("ix_ingredients_category_sort", "ingredients", ["category_code", "sort_name", "id"])
    op.create_index("ix_ingredients_origin_sort", "ingredients", ["origin", "sort_name", "id"])
    op.create_index("ix_ingredients_updated", "ingredients", ["updated_at", "id"])


def downgrade():
    op.drop_index("ix_ingredients_updated", table_name="ingredients")
    op.drop_index("ix_ingredients_origin_sort", table_name="ingredients")
    op.drop_index("ix_ingredients_category_sort", table_name="ingredients")
    op.create_index("ix_ingredients_origin", "ingredients", ["origin"])
    op.create_index("ix_ingredients_category_code", "ingredients", ["category_code"])
