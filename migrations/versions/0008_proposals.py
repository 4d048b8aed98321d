"""residents propose story spots: the proposals queue

Revision ID: 0008_proposals
Revises: 0008_tellers
Create Date: 2026-11-29 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008_proposals'
down_revision = '0008_tellers'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'spot_proposals',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('neighbourhood_id', sa.Integer(),
                  sa.ForeignKey('neighbourhoods.id', ondelete='CASCADE'), nullable=False),
        sa.Column('round_id', sa.Integer(), sa.ForeignKey('rounds.id', ondelete='SET NULL'),
                  nullable=True),
        sa.Column('proposer_id', sa.Integer(), sa.ForeignKey('players.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('name', sa.String(120), nullable=False),
        sa.Column('story', sa.Text(), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
        sa.Column('lon', sa.Float(), nullable=False),
        sa.Column('wants_named', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('reason', sa.String(32), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by', sa.Integer(),
                  sa.ForeignKey('organisers.id', ondelete='SET NULL'), nullable=True),
        sa.Column('spot_id', sa.Integer(), sa.ForeignKey('story_spots.id', ondelete='SET NULL'),
                  nullable=True),
        sa.Column('display_hash', sa.String(64), nullable=True),
        sa.Column('thumb_hash', sa.String(64), nullable=True),
        sa.Column('display_jpeg', sa.LargeBinary(), nullable=True),
        sa.Column('thumb_jpeg', sa.LargeBinary(), nullable=True),
    )
    op.create_index('ix_spot_proposals_neighbourhood_id', 'spot_proposals', ['neighbourhood_id'])
    op.create_index('ix_spot_proposals_round_id', 'spot_proposals', ['round_id'])
    op.create_index('ix_spot_proposals_proposer_id', 'spot_proposals', ['proposer_id'])
    op.create_index('ix_spot_proposals_display_hash', 'spot_proposals', ['display_hash'])


def downgrade() -> None:
    op.drop_table('spot_proposals')
