"""the organiser's own words in other languages: round names, story spots, the screen's turns

Revision ID: 0007_words
Revises: 0006c
Create Date: 2026-11-29 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007_words'
down_revision = '0006c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('words', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('screen_languages', sa.String(length=64), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('screen_seconds', sa.Integer(), nullable=False,
                                      server_default='15'))
    with op.batch_alter_table('story_spots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('words', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('story_spots', schema=None) as batch_op:
        batch_op.drop_column('words')
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('screen_seconds')
        batch_op.drop_column('screen_languages')
        batch_op.drop_column('words')
