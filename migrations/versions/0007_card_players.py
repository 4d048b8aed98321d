"""card players: residents without a smartphone play with a printed card of codes

Revision ID: 0007_card
Revises: 0007_words
Create Date: 2026-11-29 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007_card'
down_revision = '0007_words'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('players', schema=None) as batch_op:
        batch_op.add_column(sa.Column('on_card', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('pairing_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('card', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('pairing_codes', schema=None) as batch_op:
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('card')
    with op.batch_alter_table('players', schema=None) as batch_op:
        batch_op.drop_column('on_card')
