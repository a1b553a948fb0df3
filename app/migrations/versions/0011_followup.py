"""Follow-up questionnaires some months after discharge

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 19:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

CONTEXT = 'ck_questionnaire_response_context'


def _context_check(batch_op, values):
    batch_op.drop_constraint(op.f(CONTEXT), type_='check')
    batch_op.create_check_constraint(
        op.f(CONTEXT), 'context IN (' + ', '.join(f"'{v}'" for v in values) + ')')


def upgrade():
    with op.batch_alter_table('questionnaire_response', schema=None) as batch_op:
        _context_check(batch_op, ('screening', 'weekly', 'followup'))
    op.create_table(
        'followup',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('step_assignment_id', sa.Integer(), nullable=False),
        sa.Column('discharged_at', sa.DateTime(), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=False),
        sa.Column('completed_at', sa.DateTime(), nullable=True),
        sa.Column('phq9_response_id', sa.Integer(), nullable=True),
        sa.Column('gad7_response_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['patient_id'], ['user_account.id'],
                                name=op.f('fk_followup_patient_id_user_account')),
        sa.ForeignKeyConstraint(['step_assignment_id'], ['step_assignment.id'],
                                name=op.f('fk_followup_step_assignment_id_step_assignment')),
        sa.ForeignKeyConstraint(['phq9_response_id'], ['questionnaire_response.id'],
                                name=op.f('fk_followup_phq9_response_id_questionnaire_response')),
        sa.ForeignKeyConstraint(['gad7_response_id'], ['questionnaire_response.id'],
                                name=op.f('fk_followup_gad7_response_id_questionnaire_response')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_followup')),
        sa.UniqueConstraint('step_assignment_id', name=op.f('uq_followup_step_assignment_id')),
    )
    op.create_index(op.f('ix_followup_patient_id'), 'followup', ['patient_id'])
    op.create_index('ix_followup_due', 'followup', ['completed_at', 'due_at'])


def downgrade():
    op.drop_index('ix_followup_due', table_name='followup')
    op.drop_index(op.f('ix_followup_patient_id'), table_name='followup')
    op.drop_table('followup')
    # Keep the answers (risk alerts may point at them): as weekly measures, which they resemble.
    op.execute("UPDATE questionnaire_response SET context = 'weekly' WHERE context = 'followup'")
    with op.batch_alter_table('questionnaire_response', schema=None) as batch_op:
        _context_check(batch_op, ('screening', 'weekly'))
