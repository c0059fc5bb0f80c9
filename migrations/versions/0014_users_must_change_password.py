"""Users may be required to set a new password at their next login: an admin who resets a
user's password gives a temporary one, and until the user has replaced it every page but
the change-password page and logout sends them there.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03

The column is added and dropped in place (SQLite 3.35 or newer does both itself): a copy
of the users table would drop the table every other table references.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))


def downgrade():
    op.drop_column("users", "must_change_password")
