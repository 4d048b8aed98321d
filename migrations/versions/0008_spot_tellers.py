"""story spots remember the resident who told them, and whether they may be named

Revision ID: 0008_tellers
Revises: 0007_offline
Create Date: 2026-11-29 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008_tellers'
down_revision = '0007_offline'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('story_spots') as batch:
        batch.add_column(sa.Column('teller_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('teller_named', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.create_foreign_key('fk_story_spots_teller_id_players', 'players',
                                 ['teller_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('story_spots') as batch:
        batch.drop_constraint('fk_story_spots_teller_id_players', type_='foreignkey')
        batch.drop_column('teller_named')
        batch.drop_column('teller_id')
