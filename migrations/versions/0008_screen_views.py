"""the big screen's views in turn (leaderboard, photo wall, web of meetings, map) and their pace

Revision ID: 0008_screen_views
Revises: 0008_proposals
Create Date: 2026-11-29 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008_screen_views'
down_revision = '0008_proposals'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rounds') as batch:
        batch.add_column(sa.Column('screen_views', sa.String(length=64), nullable=False,
                                   server_default='board'))
        batch.add_column(sa.Column('screen_view_seconds', sa.Integer(), nullable=False,
                                   server_default='20'))


def downgrade() -> None:
    with op.batch_alter_table('rounds') as batch:
        batch.drop_column('screen_view_seconds')
        batch.drop_column('screen_views')
