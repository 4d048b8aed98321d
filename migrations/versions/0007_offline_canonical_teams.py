"""one spelling per team: players get their neighbourhood's first spelling of their team

Revision ID: 0007_offline
Revises: 0007_card
Create Date: 2026-11-29 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from koppelkiek.game.teams import team_key

revision = '0007_offline'
down_revision = '0007_card'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # "via roma" and "Via Roma" were two spellings of one team: each player takes the spelling
    # of the neighbourhood's first player with that team, as joins do from now on.
    players = sa.table('players', sa.column('id', sa.Integer),
                       sa.column('neighbourhood_id', sa.Integer), sa.column('team', sa.String))
    conn = op.get_bind()
    rows = conn.execute(sa.select(players.c.id, players.c.neighbourhood_id, players.c.team)
                        .where(players.c.team.is_not(None)).order_by(players.c.id))
    first: dict[tuple[int, str], str] = {}
    for pid, hood, team in rows.all():
        spelling = first.setdefault((hood, team_key(team)), team)
        if spelling != team:
            conn.execute(players.update().where(players.c.id == pid).values(team=spelling))


def downgrade() -> None:
    pass  # the other spellings are not kept; one spelling per team is still a valid state
