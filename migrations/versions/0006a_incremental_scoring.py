"""incremental scoring state, scoring order, browser-only photo rule, hash bands

Revision ID: 0006a
Revises: 0005
Create Date: 2026-11-29 12:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from koppelkiek.game.duplicates import bands
from koppelkiek.scoring import Rules, ScoredPhoto, SpotHit, Tally
from koppelkiek.uploads import Position, distance_m

revision = '0006a'
down_revision = '0006d'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('browser_only_photos', sa.String(length=8), nullable=False,
                                      server_default='accept'))
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accepted_seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('spot_ids', sa.String(length=400), nullable=True))
    op.create_table(
        'pair_meetings',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('player_low', sa.Integer(), nullable=False),
        sa.Column('player_high', sa.Integer(), nullable=False),
        sa.Column('meetings', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'],
                                name=op.f('fk_pair_meetings_round_id_rounds'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['player_low'], ['players.id'],
                                name=op.f('fk_pair_meetings_player_low_players')),
        sa.ForeignKeyConstraint(['player_high'], ['players.id'],
                                name=op.f('fk_pair_meetings_player_high_players')),
        sa.PrimaryKeyConstraint('round_id', 'player_low', 'player_high',
                                name=op.f('pk_pair_meetings')),
    )
    op.create_table(
        'spot_claims',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('player_id', sa.Integer(), nullable=False),
        sa.Column('spot_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'],
                                name=op.f('fk_spot_claims_round_id_rounds'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['player_id'], ['players.id'],
                                name=op.f('fk_spot_claims_player_id_players')),
        sa.PrimaryKeyConstraint('round_id', 'player_id', 'spot_id', name=op.f('pk_spot_claims')),
    )
    op.create_table(
        'photo_hash_bands',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('band', sa.Integer(), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.Column('photo_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'],
                                name=op.f('fk_photo_hash_bands_round_id_rounds'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['photo_id'], ['photos.id'],
                                name=op.f('fk_photo_hash_bands_photo_id_photos'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('round_id', 'band', 'value', 'photo_id',
                                name=op.f('pk_photo_hash_bands')),
    )
    # A player's photos in a round (is this a newcomer?) without reading the whole round.
    op.create_index('ix_meetings_round_player_a', 'meetings', ['round_id', 'player_a_id'])
    op.create_index('ix_meetings_round_player_b', 'meetings', ['round_id', 'player_b_id'])
    _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    """Existing rounds: the scoring order, the hash bands and the incremental state."""
    photos = conn.execute(sa.text(
        "SELECT p.id, p.round_id, p.dhash, p.status, p.lat, p.lon, m.player_a_id, m.player_b_id "
        "FROM photos p JOIN meetings m ON m.id = p.meeting_id "
        "ORDER BY p.round_id, p.accepted_at, p.id")).all()
    band_rows = [{"round_id": r, "band": b, "value": v, "photo_id": pid}
                 for pid, r, dhash, *_ in photos for b, v in bands(dhash)]
    if band_rows:
        conn.execute(sa.text("INSERT INTO photo_hash_bands (round_id, band, value, photo_id) "
                             "VALUES (:round_id, :band, :value, :photo_id)"), band_rows)
    rounds = conn.execute(sa.text(
        "SELECT id, neighbourhood_id, points_first_meeting, points_repeat_meeting, max_repeats, "
        "points_across_teams, points_welcome FROM rounds")).all()
    for rid, hood, first, repeat, max_repeats, across, welcome in rounds:
        spots = conn.execute(sa.text("SELECT id, lat, lon, radius_m, bonus FROM story_spots "
                                     "WHERE neighbourhood_id = :h"), {"h": hood}).all()
        teams = dict(conn.execute(sa.text(
            "SELECT pl.id, pl.team FROM players pl JOIN standings s ON s.player_id = pl.id "
            "WHERE s.round_id = :r"), {"r": rid}).all())
        tally = Tally(Rules(first, repeat, max_repeats, across, welcome))
        order = 0
        for pid, r, _dhash, status, lat, lon, a, b in photos:
            if r != rid or status != "accepted":
                continue
            order += 1
            here = None if lat is None or lon is None else Position(lat, lon)
            hits = tuple(SpotHit(s_id, bonus) for s_id, s_lat, s_lon, radius, bonus in spots
                         if here and distance_m(here, Position(s_lat, s_lon)) <= radius)
            conn.execute(sa.text("UPDATE photos SET accepted_seq = :o WHERE id = :p"),
                         {"o": order, "p": pid})
            tally.add(ScoredPhoto(pid, a, b, teams.get(a), teams.get(b), hits))
        for (low, high), count in tally.pair_meetings().items():
            conn.execute(sa.text("INSERT INTO pair_meetings VALUES (:r, :l, :h, :n)"),
                         {"r": rid, "l": low, "h": high, "n": count})
        for player, spot in tally.spots_claimed():
            conn.execute(sa.text("INSERT INTO spot_claims VALUES (:r, :p, :s)"),
                         {"r": rid, "p": player, "s": spot})


def downgrade() -> None:
    op.drop_index('ix_meetings_round_player_b', table_name='meetings')
    op.drop_index('ix_meetings_round_player_a', table_name='meetings')
    op.drop_table('photo_hash_bands')
    op.drop_table('spot_claims')
    op.drop_table('pair_meetings')
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_column('spot_ids')
        batch_op.drop_column('accepted_seq')
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('browser_only_photos')
