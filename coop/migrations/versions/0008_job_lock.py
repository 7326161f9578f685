"""the timed job's lock

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 12:10:00
"""

from alembic import op
import sqlalchemy as sa
import coop.db


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    job_lock = op.create_table('job_lock',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.String(length=120), nullable=True),
    sa.Column('held_until', coop.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_job_lock'))
    )
    op.bulk_insert(job_lock, [{'name': 'tick'}])


def downgrade() -> None:
    op.drop_table('job_lock')
