"""players get the confusable skeleton of their name (TR39), for look-alike checks

Revision ID: 0006_b
Revises: 0005
Create Date: 2026-11-29 12:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from koppelkiek.game.names import skeleton

revision = '0006_b'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('players', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_skeleton', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_players_name_skeleton'), ['name_skeleton'],
                              unique=False)
    # Existing names keep working: each gets its skeleton; two old look-alikes both stay.
    players = sa.table('players', sa.column('id', sa.Integer), sa.column('name_key', sa.String),
                       sa.column('display_name', sa.String),
                       sa.column('name_skeleton', sa.Text))
    conn = op.get_bind()
    rows = conn.execute(sa.select(players.c.id, players.c.name_key, players.c.display_name))
    for pid, key, name in rows.all():
        value = key if key.startswith('#erased-') else skeleton(name)
        conn.execute(players.update().where(players.c.id == pid).values(name_skeleton=value))


def downgrade() -> None:
    with op.batch_alter_table('players', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_players_name_skeleton'))
        batch_op.drop_column('name_skeleton')
