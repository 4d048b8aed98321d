"""round events name the photo a wall change is about

Revision ID: 0006d
Revises: 0005
Create Date: 2026-11-29 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006d'
down_revision = '0006_b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('round_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photo_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('round_events', schema=None) as batch_op:
        batch_op.drop_column('photo_id')
