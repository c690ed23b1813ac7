"""Pulse answers keyed by a per-pulse salt that is erased at close; the generated instance key is dropped

Until now every answer was keyed with one long-lived key (FEEDBOT_SECRET_KEY, or a key generated into
`instance_secrets`), so whoever held it could recompute the key of every person asked and read off their answer.
This revision:
- gives each running pulse a fresh salt and re-keys its answers with it (the people asked are in the outbox,
  and the old key is still at hand), so a person who changes their answer is still counted once;
- replaces the respondent key of every answer to a closed pulse with random bytes: nothing links them any more;
- drops `instance_secrets`, the generated key.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

GENERATED_KEY = "pulse_respondent_key"


def _key(secret: str, platform: str, team_id: str, pulse_id: int, user_id: str) -> str:
    message = f"{platform}:{team_id}:{pulse_id}:{user_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _old_key(connection: sa.Connection) -> str | None:
    """The key answers were filed under before this revision: FEEDBOT_SECRET_KEY won over the generated one."""
    # The first of a comma-separated list: a list only became possible with this revision.
    configured = os.environ.get("FEEDBOT_SECRET_KEY", "").split(",")[0].strip()
    if configured:
        return configured
    return connection.execute(
        sa.text("SELECT value FROM instance_secrets WHERE name = :name"), {"name": GENERATED_KEY}
    ).scalar_one_or_none()


def _rekey_running(connection: sa.Connection, old_key: str | None) -> None:
    running = connection.execute(
        sa.text("SELECT id, platform, team_id FROM pulses WHERE status IN ('open', 'launching')")
    ).all()
    for pulse_id, platform, team_id in running:
        salt = secrets.token_hex(32)
        connection.execute(
            sa.text("UPDATE pulses SET respondent_salt = :salt WHERE id = :id"), {"salt": salt, "id": pulse_id}
        )
        if old_key is None:
            continue
        asked = connection.execute(
            sa.text("SELECT recipient_id FROM deliveries WHERE subject = :subject"), {"subject": f"pulse:{pulse_id}"}
        ).scalars()
        for person in asked:
            connection.execute(
                sa.text("UPDATE pulse_responses SET respondent = :new WHERE pulse_id = :id AND respondent = :old"),
                {
                    "new": _key(salt, platform, team_id, pulse_id, person),
                    "old": _key(old_key, platform, team_id, pulse_id, person),
                    "id": pulse_id,
                },
            )


def _unlink_closed(connection: sa.Connection) -> None:
    answers = connection.execute(
        sa.text(
            "SELECT r.id FROM pulse_responses r JOIN pulses p ON p.id = r.pulse_id "
            "WHERE p.status NOT IN ('open', 'launching')"
        )
    ).scalars()
    for answer_id in list(answers):
        connection.execute(
            sa.text("UPDATE pulse_responses SET respondent = :random WHERE id = :id"),
            {"random": secrets.token_hex(32), "id": answer_id},
        )


def upgrade() -> None:
    with op.batch_alter_table("pulses") as batch:
        batch.add_column(sa.Column("respondent_salt", sa.String(64), nullable=True))
    connection = op.get_bind()
    _rekey_running(connection, _old_key(connection))
    _unlink_closed(connection)
    op.drop_table("instance_secrets")


def downgrade() -> None:
    # Answers stay unlinkable: a downgraded install generates a new instance key, which matches none of them.
    op.create_table(
        "instance_secrets",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(128), nullable=False),
    )
    with op.batch_alter_table("pulses") as batch:
        batch.drop_column("respondent_salt")
