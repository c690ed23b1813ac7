"""Named votes keyed by the person's id, no longer by their anonymous key (which tied their anonymous votes to them)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    votes = sa.table("feedback_votes", sa.column("id"), sa.column("feedback_id"), sa.column("user_id"),
                     sa.column("voter_key"))  # fmt: skip
    feedback = sa.table("feedback", sa.column("id"), sa.column("team_id"))
    named = bind.execute(
        sa.select(votes.c.id, votes.c.user_id, feedback.c.team_id)
        .join(feedback, feedback.c.id == votes.c.feedback_id)
        .where(votes.c.user_id.is_not(None))
    ).all()
    # The same derivation as bot.services.triage.named_vote_key, written out: a migration must not change when the
    # application's code does.
    for vote_id, user_id, team_id in named:
        key = hashlib.sha256(f"vote:{team_id}:{user_id}".encode()).hexdigest()
        bind.execute(sa.update(votes).where(votes.c.id == vote_id).values(voter_key=key))


def downgrade() -> None:
    # The anonymous keys cannot be recomputed without the secret key, and need not be: a named vote is found by
    # its user id. Nothing to undo.
    pass
