"""Reachable patients (phone, GP, emergency contact) and clinician notifications of alerts

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 12:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('gp_practice', sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column('emergency_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('emergency_relation', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('emergency_phone', sa.String(length=20), nullable=True))

    with op.batch_alter_table('risk_alert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('second_escalated_at', sa.DateTime(), nullable=True))

    # Crisis help owed on the next page, kept on the server: a disclosure must not show in
    # the readable session cookie.
    op.add_column('user_session', sa.Column('crisis_offer', sa.Boolean(), nullable=False,
                                            server_default=sa.false()))

    op.create_table(
        'clinician_notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('alert_kind', sa.String(length=32), nullable=False),
        sa.Column('alert_id', sa.Integer(), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=True),
        sa.Column('event', sa.String(length=24), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('recipient_id', sa.Integer(), nullable=True),
        sa.Column('recipient', sa.String(length=254), nullable=False),
        sa.Column('link', sa.String(length=255), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['patient_id'], ['user_account.id'],
                                name=op.f('fk_clinician_notification_patient_id_user_account')),
        sa.ForeignKeyConstraint(['recipient_id'], ['user_account.id'],
                                name=op.f('fk_clinician_notification_recipient_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_clinician_notification')),
    )
    with op.batch_alter_table('clinician_notification', schema=None) as batch_op:
        batch_op.create_index('ix_clinician_notification_status', ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('clinician_notification', schema=None) as batch_op:
        batch_op.drop_index('ix_clinician_notification_status')
    op.drop_table('clinician_notification')

    with op.batch_alter_table('risk_alert', schema=None) as batch_op:
        batch_op.drop_column('second_escalated_at')

    op.execute('ALTER TABLE user_session DROP COLUMN crisis_offer')

    # Plain ALTER TABLE (SQLite 3.35+ and PostgreSQL): a batch copy of user_account would
    # drop the table that every other table's foreign keys point at.
    for column in ('emergency_phone', 'emergency_relation', 'emergency_name', 'gp_practice',
                   'phone'):
        op.execute(f'ALTER TABLE user_account DROP COLUMN {column}')
