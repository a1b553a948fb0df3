"""The caseload's stored facts: one row per patient and language

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 02:15:00.000000

The table starts empty: the caseload page computes and stores the facts of any patient
whose row is missing (``app.caseload.projection.stored_facts_for``), so nothing is ever
shown from a missing row; ``flask caseload rebuild`` fills every row at once.

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'caseload_facts',
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('lang', sa.String(length=8), nullable=False),
        sa.Column('facts', sa.JSON(), nullable=False),
        sa.Column('computed_at', sa.DateTime(), nullable=False),
        sa.Column('valid_until', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['patient_id'], ['user_account.id'],
                                name=op.f('fk_caseload_facts_patient_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('patient_id', 'lang', name=op.f('pk_caseload_facts')),
    )


def downgrade():
    op.drop_table('caseload_facts')
