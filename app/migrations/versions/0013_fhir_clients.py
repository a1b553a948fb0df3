"""FHIR API clients, their bearer tokens and used assertion ids

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 20:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'fhir_client',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('client_id', sa.String(length=64), nullable=False),
        sa.Column('public_key', sa.Text(), nullable=False),
        sa.Column('scopes', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fhir_client')),
        sa.UniqueConstraint('client_id', name=op.f('uq_fhir_client_client_id')),
    )
    op.create_table(
        'fhir_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_pk', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('scopes', sa.Text(), nullable=False),
        sa.Column('issued_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['client_pk'], ['fhir_client.id'],
                                name=op.f('fk_fhir_token_client_pk_fhir_client')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fhir_token')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_fhir_token_token_hash')),
    )
    op.create_index(op.f('ix_fhir_token_client_pk'), 'fhir_token', ['client_pk'])
    op.create_table(
        'fhir_assertion_jti',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_pk', sa.Integer(), nullable=False),
        sa.Column('jti', sa.String(length=255), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['client_pk'], ['fhir_client.id'],
                                name=op.f('fk_fhir_assertion_jti_client_pk_fhir_client')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fhir_assertion_jti')),
        sa.UniqueConstraint('client_pk', 'jti',
                            name=op.f('uq_fhir_assertion_jti_client_pk')),
    )


def downgrade():
    op.drop_table('fhir_assertion_jti')
    op.drop_index(op.f('ix_fhir_token_client_pk'), table_name='fhir_token')
    op.drop_table('fhir_token')
    op.drop_table('fhir_client')
