"""repair what 0001 and 0006 gained after release

0001 gained audit_event.scope and its index (2c23d3b), and 0006 the index on notification
(user_id, created_at) (219d593), after databases had been built with the first versions. A
database built then never got them. This adds each one that is missing; on a database built
by the edited migrations it does nothing.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 12:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _has_column(table: str, column: str) -> bool:
    return column in {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def _has_index(table: str, index: str) -> bool:
    return index in {i["name"] for i in sa.inspect(op.get_bind()).get_indexes(table)}


def upgrade() -> None:
    if not _has_column('audit_event', 'scope'):
        with op.batch_alter_table('audit_event', schema=None) as batch_op:
            batch_op.add_column(sa.Column('scope', sa.String(length=40), nullable=True))
    if not _has_index('audit_event', 'ix_audit_event_scope_at'):
        with op.batch_alter_table('audit_event', schema=None) as batch_op:
            batch_op.create_index('ix_audit_event_scope_at', ['scope', 'at'], unique=False)
    if not _has_index('notification', 'ix_notification_user_id_created_at'):
        with op.batch_alter_table('notification', schema=None) as batch_op:
            batch_op.create_index(
                'ix_notification_user_id_created_at', ['user_id', 'created_at'], unique=False
            )


def downgrade() -> None:
    # What 0007 may have added belongs, as the edited 0001 and 0006 see it, to them: their own
    # downgrades remove it.
    pass
