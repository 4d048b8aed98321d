"""upload slots in flight, and refused photos per meeting

Revision ID: 0006c
Revises: 0005
Create Date: 2026-11-29 12:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import koppelkiek.game.models

revision = '0006c'
down_revision = '0006a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'upload_slots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('player_id', sa.Integer(), nullable=False),
        sa.Column('slot', sa.Integer(), nullable=False),
        sa.Column('holder', sa.String(length=80), nullable=False),
        sa.Column('started_at', koppelkiek.game.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['player_id'], ['players.id'],
                                name=op.f('fk_upload_slots_player_id_players'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_upload_slots')),
        sa.UniqueConstraint('player_id', 'slot', name=op.f('uq_upload_slots_player_id')),
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photo_refusals', sa.Integer(), server_default='0',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('photo_refusals')
    op.drop_table('upload_slots')
