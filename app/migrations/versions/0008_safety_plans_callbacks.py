"""Safety plans with their versions, and the callback log of risk alerts

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01 12:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'safety_plan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('current_number', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['patient_id'], ['user_account.id'],
                                name=op.f('fk_safety_plan_patient_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_plan')),
        sa.UniqueConstraint('patient_id', name=op.f('uq_safety_plan_patient_id')),
    )
    op.create_table(
        'safety_plan_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('sections', sa.JSON(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('author_role', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('change_note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['author_id'], ['user_account.id'],
                                name=op.f('fk_safety_plan_version_author_id_user_account')),
        sa.ForeignKeyConstraint(['patient_id'], ['user_account.id'],
                                name=op.f('fk_safety_plan_version_patient_id_user_account')),
        sa.ForeignKeyConstraint(['plan_id'], ['safety_plan.id'],
                                name=op.f('fk_safety_plan_version_plan_id_safety_plan')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_plan_version')),
        sa.UniqueConstraint('plan_id', 'number', name='uq_safety_plan_version_number'),
    )
    op.create_index('ix_safety_plan_version_patient', 'safety_plan_version', ['patient_id'])
    op.create_table(
        'risk_contact_attempt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('alert_id', sa.Integer(), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('by_id', sa.Integer(), nullable=False),
        sa.Column('attempted_at', sa.DateTime(), nullable=False),
        sa.Column('method', sa.String(length=16), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("method IN ('phone', 'video', 'message', 'in_person')",
                           name=op.f('ck_risk_contact_attempt_method')),
        sa.CheckConstraint("outcome IN ('reached', 'no_answer', 'voicemail', 'wrong_number')",
                           name=op.f('ck_risk_contact_attempt_outcome')),
        sa.ForeignKeyConstraint(['alert_id'], ['risk_alert.id'],
                                name=op.f('fk_risk_contact_attempt_alert_id_risk_alert')),
        sa.ForeignKeyConstraint(['by_id'], ['user_account.id'],
                                name=op.f('fk_risk_contact_attempt_by_id_user_account')),
        sa.ForeignKeyConstraint(['patient_id'], ['user_account.id'],
                                name=op.f('fk_risk_contact_attempt_patient_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_contact_attempt')),
    )
    op.create_index('ix_risk_contact_attempt_alert', 'risk_contact_attempt',
                    ['alert_id', 'attempted_at'])
    with op.batch_alter_table('risk_alert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('no_contact_reason', sa.Text(), nullable=True))


def downgrade():
    # The log goes first: on SQLite the batch operation recreates risk_alert, which the
    # log's foreign key would forbid.
    op.drop_index('ix_risk_contact_attempt_alert', table_name='risk_contact_attempt')
    op.drop_table('risk_contact_attempt')
    with op.batch_alter_table('risk_alert', schema=None) as batch_op:
        batch_op.drop_column('no_contact_reason')
    op.drop_index('ix_safety_plan_version_patient', table_name='safety_plan_version')
    op.drop_table('safety_plan_version')
    op.drop_table('safety_plan')
