"""Forms kept through an expired session, for their sender to send again

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 15:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'kept_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('path', sa.String(length=2048), nullable=False),
        sa.Column('fields', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE',
                                name=op.f('fk_kept_draft_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kept_draft')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_kept_draft_token_hash')),
    )
    op.create_index(op.f('ix_kept_draft_user_id'), 'kept_draft', ['user_id'])


def downgrade():
    op.drop_index(op.f('ix_kept_draft_user_id'), table_name='kept_draft')
    op.drop_table('kept_draft')
