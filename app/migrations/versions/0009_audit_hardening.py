"""Audit hardening: a key id per audit row (HMAC-keyed chain) and no TRUNCATE of the trail

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 13:00:00.000000

Existing rows keep key_id NULL and their plain SHA-256 links, so they still verify.

On PostgreSQL the table's owner can still drop triggers; run the app as a role that
does not own the tables (README, "The database role"). This migration takes the
dangerous privileges away from everyone who is not the owner:

    REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM PUBLIC;

and the README gives the GRANTs for the app's role:

    GRANT SELECT, INSERT ON audit_event TO stepcare_app;
    GRANT USAGE ON SEQUENCE audit_event_id_seq TO stepcare_app;
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN on SQLite too: the table is not recreated, its triggers stay.
    with op.batch_alter_table('audit_event', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('key_id', sa.String(length=12), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        # Row triggers do not fire on TRUNCATE; a statement trigger does.
        op.execute("""
            CREATE TRIGGER audit_event_no_truncate
            BEFORE TRUNCATE ON audit_event
            FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()
        """)
        op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM PUBLIC")


def downgrade():
    # Dropping key_id leaves keyed rows unverifiable (their HMAC covers the key id):
    # take an anchor and a backup before downgrading a database that used a key.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
    with op.batch_alter_table('audit_event', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('key_id')
