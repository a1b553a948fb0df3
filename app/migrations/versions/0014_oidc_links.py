"""OpenID Connect links between accounts and their providers' subjects

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 22:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'oidc_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=40), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('national_id', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE',
                                name=op.f('fk_oidc_link_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_oidc_link')),
        sa.UniqueConstraint('provider', 'subject', name=op.f('uq_oidc_link_provider')),
        sa.UniqueConstraint('user_id', 'provider', name=op.f('uq_oidc_link_user_id')),
    )
    op.create_index(op.f('ix_oidc_link_user_id'), 'oidc_link', ['user_id'])


def downgrade():
    op.drop_index(op.f('ix_oidc_link_user_id'), table_name='oidc_link')
    op.drop_table('oidc_link')
