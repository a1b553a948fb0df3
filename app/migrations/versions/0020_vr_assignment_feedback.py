"""VR exposure: the therapist's assigned scenes and starting levels, each session's
starting level, and the therapist's feedback on a session

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 02:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'vr_assignment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('scene', sa.String(length=16), nullable=False),
        sa.Column('start_level', sa.Integer(), nullable=False),
        sa.Column('assigned_by_id', sa.Integer(), nullable=True),
        sa.Column('assigned_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('start_level >= 1', name=op.f('ck_vr_assignment_start_level')),
        sa.ForeignKeyConstraint(['patient_id'], ['user_account.id'],
                                name=op.f('fk_vr_assignment_patient_id_user_account')),
        sa.ForeignKeyConstraint(['assigned_by_id'], ['user_account.id'],
                                name=op.f('fk_vr_assignment_assigned_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_vr_assignment')),
    )
    op.create_index('uq_vr_assignment_scene', 'vr_assignment', ['patient_id', 'scene'],
                    unique=True)
    with op.batch_alter_table('vr_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('start_level', sa.Integer(), nullable=False,
                                      server_default='1'))
        batch_op.add_column(sa.Column('feedback', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('feedback_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('feedback_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('feedback_read_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_vr_session_feedback_by_id_user_account'),
                                    'user_account', ['feedback_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('vr_session', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_vr_session_feedback_by_id_user_account'),
                                 type_='foreignkey')
        batch_op.drop_column('feedback_read_at')
        batch_op.drop_column('feedback_at')
        batch_op.drop_column('feedback_by_id')
        batch_op.drop_column('feedback')
        batch_op.drop_column('start_level')
    op.drop_index('uq_vr_assignment_scene', table_name='vr_assignment')
    op.drop_table('vr_assignment')
