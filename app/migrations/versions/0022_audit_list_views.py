"""Audit list views as one event: the patients a list showed in audit_event_patient

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 06:30:00.000000

Existing per-row list views stay as they are and keep verifying; new list views write one
chained event and one row here per line shown. Append-only like audit_event: the same
triggers, and on PostgreSQL no UPDATE, DELETE or TRUNCATE granted to PUBLIC. The app's own
role got the new table's rights through the README's default privileges: run its REVOKE
line again after this upgrade (README, "The database role").
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

APPEND_ONLY_MESSAGE = "audit_event_patient is append-only"


def upgrade():
    op.create_table(
        'audit_event_patient',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=True),
        sa.Column('resource_id', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['event_id'], ['audit_event.id'],
                                name=op.f('fk_audit_event_patient_event_id_audit_event')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event_patient')),
    )
    op.create_index('ix_audit_event_patient_patient', 'audit_event_patient',
                    ['patient_id', 'event_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # audit_event's own function (0001) refuses the change.
        for verb, each in (("UPDATE", "ROW"), ("DELETE", "ROW"), ("TRUNCATE", "STATEMENT")):
            op.execute(f"""
                CREATE TRIGGER audit_event_patient_no_{verb.lower()}
                BEFORE {verb} ON audit_event_patient
                FOR EACH {each} EXECUTE FUNCTION audit_event_refuse_change()
            """)
        op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON audit_event_patient FROM PUBLIC")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER audit_event_patient_no_{verb.lower()}
                BEFORE {verb} ON audit_event_patient
                BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END
            """)


def downgrade():
    # The list views' patients go with the table: take a backup first if the trail matters.
    op.drop_index('ix_audit_event_patient_patient', table_name='audit_event_patient')
    op.drop_table('audit_event_patient')
