"""Treatment sessions with the lots drawn, the clinic's lots, clinic contact and time zone, and what a check read of the patient

Revision ID: 0011_treatment_sessions
Revises: 0010_review_states
Create Date: 2026-12-03 08:13:36.499365

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_treatment_sessions'
down_revision = '0010_review_states'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('ingredient_id', sa.Integer(), nullable=True),
    sa.Column('item_key', sa.String(length=40), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('number_key', sa.String(length=64), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_practitioner_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_token_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_label', sa.String(length=200), nullable=False),
    sa.CheckConstraint('(product_id IS NULL) <> (ingredient_id IS NULL)', name=op.f('ck_lots_product_or_ingredient')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_lots_clinic_id_clinics')),
    sa.ForeignKeyConstraint(['ingredient_id'], ['ingredients.id'], name=op.f('fk_lots_ingredient_id_ingredients')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_lots_product_id_products')),
    sa.ForeignKeyConstraint(['recorded_by_practitioner_id'], ['practitioners.id'], name=op.f('fk_lots_recorded_by_practitioner_id_practitioners')),
    sa.ForeignKeyConstraint(['recorded_by_token_id'], ['api_tokens.id'], name=op.f('fk_lots_recorded_by_token_id_api_tokens')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lots')),
    sa.UniqueConstraint('clinic_id', 'item_key', 'number', name='uq_lots_clinic_item_number')
    )
    with op.batch_alter_table('lots', schema=None) as batch_op:
        batch_op.create_index('ix_lots_clinic_number', ['clinic_id', 'number_key'], unique=False)

    op.create_table('treatment_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('cocktail_id', sa.Integer(), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=False),
    sa.Column('performed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('technique', sa.Enum('point-injection', 'needle-free', 'microneedling-combination', name='session_technique', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('areas', sa.JSON(), nullable=False),
    sa.Column('total_volume_ml', sa.Float(), nullable=False),
    sa.Column('prepared_by_id', sa.Integer(), nullable=False),
    sa.Column('administered_by_id', sa.Integer(), nullable=False),
    sa.Column('second_checked_by_id', sa.Integer(), nullable=True),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('consent_information', sa.Text(), nullable=False),
    sa.Column('observations', sa.Text(), nullable=False),
    sa.Column('immediate_reactions', sa.Text(), nullable=False),
    sa.Column('session_number', sa.Integer(), nullable=False),
    sa.Column('sessions_planned', sa.Integer(), nullable=True),
    sa.Column('next_due_on', sa.Date(), nullable=True),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('amendment_reason', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_practitioner_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_token_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_label', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['administered_by_id'], ['practitioners.id'], name=op.f('fk_treatment_sessions_administered_by_id_practitioners')),
    sa.ForeignKeyConstraint(['amends_id'], ['treatment_sessions.id'], name=op.f('fk_treatment_sessions_amends_id_treatment_sessions')),
    sa.ForeignKeyConstraint(['check_id'], ['checks.id'], name=op.f('fk_treatment_sessions_check_id_checks')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_treatment_sessions_clinic_id_clinics')),
    sa.ForeignKeyConstraint(['cocktail_id'], ['cocktails.id'], name=op.f('fk_treatment_sessions_cocktail_id_cocktails')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_treatment_sessions_patient_id_patients')),
    sa.ForeignKeyConstraint(['prepared_by_id'], ['practitioners.id'], name=op.f('fk_treatment_sessions_prepared_by_id_practitioners')),
    sa.ForeignKeyConstraint(['recorded_by_practitioner_id'], ['practitioners.id'], name=op.f('fk_treatment_sessions_recorded_by_practitioner_id_practitioners')),
    sa.ForeignKeyConstraint(['recorded_by_token_id'], ['api_tokens.id'], name=op.f('fk_treatment_sessions_recorded_by_token_id_api_tokens')),
    sa.ForeignKeyConstraint(['second_checked_by_id'], ['practitioners.id'], name=op.f('fk_treatment_sessions_second_checked_by_id_practitioners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_treatment_sessions')),
    sa.UniqueConstraint('amends_id', name=op.f('uq_treatment_sessions_amends_id'))
    )
    with op.batch_alter_table('treatment_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_treatment_sessions_clinic_cocktail', ['clinic_id', 'cocktail_id'], unique=False)
        batch_op.create_index('ix_treatment_sessions_clinic_patient', ['clinic_id', 'patient_id'], unique=False)

    op.create_table('treatment_session_lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['lots.id'], name=op.f('fk_treatment_session_lots_lot_id_lots')),
    sa.ForeignKeyConstraint(['session_id'], ['treatment_sessions.id'], name=op.f('fk_treatment_session_lots_session_id_treatment_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_treatment_session_lots')),
    sa.UniqueConstraint('session_id', 'position', name='uq_treatment_session_lots_position')
    )
    with op.batch_alter_table('treatment_session_lots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_treatment_session_lots_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_treatment_session_lots_session_id'), ['session_id'], unique=False)

    with op.batch_alter_table('checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('patient_fingerprint', sa.String(length=64), nullable=True))

    with op.batch_alter_table('clinics', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('email', sa.String(length=254), server_default='', nullable=False))
        batch_op.add_column(sa.Column('address', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('emergency_number', sa.String(length=20), server_default='112', nullable=False))
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('requires_second_check', sa.Boolean(), server_default='0', nullable=False))



def downgrade():
    # Columns dropped in place (SQLite 3.35+ can): recreating `clinics` would trip the foreign
    # keys of every table that refers to it.
    with op.batch_alter_table('clinics', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('requires_second_check')
        batch_op.drop_column('time_zone')
        batch_op.drop_column('emergency_number')
        batch_op.drop_column('address')
        batch_op.drop_column('email')
        batch_op.drop_column('phone')

    with op.batch_alter_table('checks', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('patient_fingerprint')

    with op.batch_alter_table('treatment_session_lots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_treatment_session_lots_session_id'))
        batch_op.drop_index(batch_op.f('ix_treatment_session_lots_lot_id'))

    op.drop_table('treatment_session_lots')
    with op.batch_alter_table('treatment_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_treatment_sessions_clinic_patient')
        batch_op.drop_index('ix_treatment_sessions_clinic_cocktail')

    op.drop_table('treatment_sessions')
    with op.batch_alter_table('lots', schema=None) as batch_op:
        batch_op.drop_index('ix_lots_clinic_number')

    op.drop_table('lots')
