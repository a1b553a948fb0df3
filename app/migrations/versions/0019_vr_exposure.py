"""Virtual-reality exposure sessions and their SUDS ratings

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 23:45:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'vr_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('enrolment_id', sa.Integer(), nullable=False),
        sa.Column('module_id', sa.Integer(), nullable=False),
        sa.Column('block_id', sa.String(length=64), nullable=False),
        sa.Column('scene', sa.String(length=16), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.Column('highest_level', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['patient_id'], ['user_account.id'],
                                name=op.f('fk_vr_session_patient_id_user_account')),
        sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'],
                                name=op.f('fk_vr_session_enrolment_id_enrolment')),
        sa.ForeignKeyConstraint(['module_id'], ['programme_module.id'],
                                name=op.f('fk_vr_session_module_id_programme_module')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_vr_session')),
    )
    op.create_index('ix_vr_session_patient', 'vr_session', ['patient_id', 'started_at'])
    op.create_table(
        'vr_rating',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('phase', sa.String(length=8), nullable=False),
        sa.Column('suds', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('suds BETWEEN 0 AND 100', name=op.f('ck_vr_rating_suds')),
        sa.CheckConstraint("phase IN ('before', 'during', 'after')",
                           name=op.f('ck_vr_rating_phase')),
        sa.ForeignKeyConstraint(['session_id'], ['vr_session.id'],
                                name=op.f('fk_vr_rating_session_id_vr_session')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_vr_rating')),
    )
    op.create_index(op.f('ix_vr_rating_session_id'), 'vr_rating', ['session_id'])


def downgrade():
    op.drop_index(op.f('ix_vr_rating_session_id'), table_name='vr_rating')
    op.drop_table('vr_rating')
    op.drop_index('ix_vr_session_patient', table_name='vr_session')
    op.drop_table('vr_session')
