"""Review states of ingredients, products and allergens: who reviewed each, when, against which sources

Existing entries start unreviewed: a review is a curator's act, never a default. The stored
ingredient documents are dropped, since they now show the review: the seed's refresh of missing
documents, run after every migration, writes them again.

Revision ID: 0010_review_states
Revises: 0009_seed_entries
Create Date: 2026-12-03 07:43:42.498020

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_review_states'
down_revision = '0009_seed_entries'
branch_labels = None
depends_on = None

TABLES = ('allergens', 'ingredients', 'products')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('content_fingerprint', sa.String(length=64), nullable=True))
            batch_op.add_column(sa.Column('reviewed_fingerprint', sa.String(length=64), nullable=True))
            batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column('reviewed_sources', sa.JSON(), nullable=False, server_default='[]'))
            batch_op.add_column(sa.Column('reviewed_by_practitioner_id', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('reviewed_by_token_id', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('reviewed_by_label', sa.String(length=200), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f'fk_{table}_reviewed_by_practitioner_id_practitioners'),
                'practitioners', ['reviewed_by_practitioner_id'], ['id'],
            )
            batch_op.create_foreign_key(
                batch_op.f(f'fk_{table}_reviewed_by_token_id_api_tokens'),
                'api_tokens', ['reviewed_by_token_id'], ['id'],
            )
    op.execute("DELETE FROM ingredient_documents")


def downgrade():
    op.execute("DELETE FROM ingredient_documents")
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_reviewed_by_token_id_api_tokens'), type_='foreignkey')
            batch_op.drop_constraint(
                batch_op.f(f'fk_{table}_reviewed_by_practitioner_id_practitioners'), type_='foreignkey'
            )
            for column in (
                'reviewed_by_label', 'reviewed_by_token_id', 'reviewed_by_practitioner_id', 'reviewed_sources',
                'reviewed_at', 'reviewed_fingerprint', 'content_fingerprint',
            ):
                batch_op.drop_column(column)
