"""FHIR receivers of referral messages, and each referral message sent

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 23:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'fhir_receiver',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=160), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('endpoint', sa.String(length=500), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fhir_receiver')),
    )
    op.create_table(
        'referral_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('receiver_id', sa.Integer(), nullable=False),
        sa.Column('letter_id', sa.Integer(), nullable=False),
        sa.Column('bundle_id', sa.String(length=64), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.Column('http_status', sa.Integer(), nullable=True),
        sa.Column('outcome', sa.Text(), nullable=False),
        sa.Column('delivered', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['patient_id'], ['user_account.id'],
                                name=op.f('fk_referral_message_patient_id_user_account')),
        sa.ForeignKeyConstraint(['author_id'], ['user_account.id'],
                                name=op.f('fk_referral_message_author_id_user_account')),
        sa.ForeignKeyConstraint(['receiver_id'], ['fhir_receiver.id'],
                                name=op.f('fk_referral_message_receiver_id_fhir_receiver')),
        sa.ForeignKeyConstraint(['letter_id'], ['disclosure.id'],
                                name=op.f('fk_referral_message_letter_id_disclosure')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_message')),
    )
    op.create_index(op.f('ix_referral_message_patient_id'), 'referral_message',
                    ['patient_id'])


def downgrade():
    op.drop_index(op.f('ix_referral_message_patient_id'), table_name='referral_message')
    op.drop_table('referral_message')
    op.drop_table('fhir_receiver')
