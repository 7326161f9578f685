"""an index on visit.starts_at of its own

The staff dashboard and membership eligibility look at visits across every team by time
alone; the (team_id, starts_at) and (worker_id, starts_at) indexes cannot serve that.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 12:20:00
"""

from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index('ix_visit_starts_at', ['starts_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_starts_at')
