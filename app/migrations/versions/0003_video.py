"""video: appointments, their rooms and signalling messages; treatment contacts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('treatment_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=True),
    sa.Column('source_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['user_account.id'], name=op.f('fk_treatment_contact_patient_id_user_account')),
    sa.ForeignKeyConstraint(['therapist_id'], ['user_account.id'], name=op.f('fk_treatment_contact_therapist_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_treatment_contact'))
    )
    with op.batch_alter_table('treatment_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_treatment_contact_patient_id'), ['patient_id'], unique=False)

    op.create_table('video_appointment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.String(length=32), nullable=False),
    sa.Column('ics_uid', sa.String(length=64), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('patient_present', sa.Boolean(), nullable=False),
    sa.Column('therapist_present', sa.Boolean(), nullable=False),
    sa.Column('patient_arrived_at', sa.DateTime(), nullable=True),
    sa.Column('therapist_arrived_at', sa.DateTime(), nullable=True),
    sa.Column('admitted_at', sa.DateTime(), nullable=True),
    sa.Column('connected_at', sa.DateTime(), nullable=True),
    sa.Column('segment_started_at', sa.DateTime(), nullable=True),
    sa.Column('call_seconds', sa.Float(), nullable=False),
    sa.Column('reconnects', sa.Integer(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('ended_by', sa.String(length=16), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('signal_seq', sa.Integer(), nullable=False),
    sa.Column('patient_session', sa.String(length=24), nullable=True),
    sa.Column('therapist_session', sa.String(length=24), nullable=True),
    sa.Column('patient_seen_at', sa.DateTime(), nullable=True),
    sa.Column('therapist_seen_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("ended_by IN ('patient', 'therapist', 'system')", name=op.f('ck_video_appointment_ended_by')),
    sa.CheckConstraint("status IN ('scheduled', 'waiting', 'admitted', 'in_call', 'ended', 'cancelled', 'no_show')", name=op.f('ck_video_appointment_status')),
    sa.CheckConstraint('duration_minutes BETWEEN 5 AND 180', name=op.f('ck_video_appointment_duration')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_video_appointment_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['patient_id'], ['user_account.id'], name=op.f('fk_video_appointment_patient_id_user_account')),
    sa.ForeignKeyConstraint(['therapist_id'], ['user_account.id'], name=op.f('fk_video_appointment_therapist_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_video_appointment')),
    sa.UniqueConstraint('ics_uid', name=op.f('uq_video_appointment_ics_uid')),
    sa.UniqueConstraint('room_id', name=op.f('uq_video_appointment_room_id'))
    )
    with op.batch_alter_table('video_appointment', schema=None) as batch_op:
        batch_op.create_index('ix_video_appointment_patient_starts', ['patient_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_video_appointment_status_starts', ['status', 'starts_at'], unique=False)
        batch_op.create_index('ix_video_appointment_therapist_starts', ['therapist_id', 'starts_at'], unique=False)

    op.create_table('video_signal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('sender_role', sa.String(length=16), nullable=False),
    sa.Column('from_session', sa.String(length=24), nullable=False),
    sa.Column('to_session', sa.String(length=24), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("sender_role IN ('patient', 'therapist')", name=op.f('ck_video_signal_sender_role')),
    sa.ForeignKeyConstraint(['appointment_id'], ['video_appointment.id'], name=op.f('fk_video_signal_appointment_id_video_appointment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_video_signal')),
    sa.UniqueConstraint('appointment_id', 'seq', name=op.f('uq_video_signal_appointment_id'))
    )


def downgrade():
    op.drop_table('video_signal')
    with op.batch_alter_table('video_appointment', schema=None) as batch_op:
        batch_op.drop_index('ix_video_appointment_therapist_starts')
        batch_op.drop_index('ix_video_appointment_status_starts')
        batch_op.drop_index('ix_video_appointment_patient_starts')

    op.drop_table('video_appointment')
    with op.batch_alter_table('treatment_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_treatment_contact_patient_id'))

    op.drop_table('treatment_contact')
