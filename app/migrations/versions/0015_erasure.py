"""Erasure requests, and the research opt-out

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 23:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'erasure_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('requested_at', sa.DateTime(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('handled_by_id', sa.Integer(), nullable=True),
        sa.Column('handled_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'purged', 'anonymised')",
                           name=op.f('ck_erasure_request_status')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_erasure_request_user_id_user_account')),
        sa.ForeignKeyConstraint(['handled_by_id'], ['user_account.id'],
                                name=op.f('fk_erasure_request_handled_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_erasure_request')),
    )
    op.create_index(op.f('ix_erasure_request_user_id'), 'erasure_request', ['user_id'])
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('research_opt_out', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('research_opt_out')
    op.drop_index(op.f('ix_erasure_request_user_id'), table_name='erasure_request')
    op.drop_table('erasure_request')
