"""Email change links: a third purpose for account tokens

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 23:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

PURPOSE = 'ck_account_token_purpose'


def _purpose_check(batch_op, values):
    batch_op.drop_constraint(op.f(PURPOSE), type_='check')
    batch_op.create_check_constraint(
        op.f(PURPOSE), 'purpose IN (' + ', '.join(f"'{v}'" for v in values) + ')')


def upgrade():
    with op.batch_alter_table('account_token', schema=None) as batch_op:
        _purpose_check(batch_op, ('reset', 'verify', 'change'))


def downgrade():
    # A pending change cannot outlive its purpose: drop the links (nothing else uses them).
    op.execute("DELETE FROM account_token WHERE purpose = 'change'")
    with op.batch_alter_table('account_token', schema=None) as batch_op:
        _purpose_check(batch_op, ('reset', 'verify'))
