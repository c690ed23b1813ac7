"""The Alembic history builds exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from storage.db import sync_url
from storage.migrate import alembic_config, upgrade_to_head
from storage.models import Base, utcnow


def test_migrations_match_the_models(database_url: str) -> None:
    upgrade_to_head(database_url)  # again: a second upgrade is a no-op
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def _downgrade_to(database_url: str, revision: str) -> None:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
    finally:
        engine.dispose()


def _old_key(secret: str, pulse_id: int, person: str) -> str:
    return hmac.new(secret.encode(), f"slack:T0001:{pulse_id}:{person}".encode(), hashlib.sha256).hexdigest()


def test_0008_rekeys_running_pulses_and_unlinks_closed_ones(database_url: str) -> None:
    """Answers filed under the old instance key: a running pulse's move to its new salt (a changed answer still
    counts once), a closed pulse's become random, and the generated key is dropped."""
    _downgrade_to(database_url, "0007")
    generated = "generated-instance-key"
    people = ["UASKED001", "UASKED002"]
    engine = create_engine(sync_url(database_url))
    try:
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO instance_secrets (name, value) VALUES ('pulse_respondent_key', :key)"),
                {"key": generated},
            )
            for pulse_id, status in ((1, "closed"), (2, "open")):
                connection.execute(
                    text(
                        "INSERT INTO pulses (id, platform, team_id, question, status, audience_size, created_by, "
                        "created_at, closes_at) VALUES (:id, 'slack', 'T0001', 'Q?', :status, 2, 'UADMIN01', "
                        ":now, :now)"
                    ),
                    {"id": pulse_id, "status": status, "now": utcnow()},
                )
                for person in people:
                    connection.execute(
                        text(
                            "INSERT INTO deliveries (subject, platform, team_id, recipient_id, recipient_kind, "
                            "payload, status, attempts, next_attempt_at, created_at) "
                            "VALUES (:subject, 'slack', 'T0001', :person, 'user', '{}', 'sent', 1, :now, :now)"
                        ),
                        {"subject": f"pulse:{pulse_id}", "person": person, "now": utcnow()},
                    )
                    connection.execute(
                        text(
                            "INSERT INTO pulse_responses (pulse_id, respondent, score, answered_on) "
                            "VALUES (:id, :key, 7, :day)"
                        ),
                        {"id": pulse_id, "key": _old_key(generated, pulse_id, person), "day": date(2026, 11, 1)},
                    )

        upgrade_to_head(database_url)

        with engine.connect() as connection:
            salts = dict(connection.execute(text("SELECT id, respondent_salt FROM pulses")).all())
            keys = connection.execute(text("SELECT pulse_id, respondent FROM pulse_responses")).all()
            tables = inspect(connection).get_table_names()
    finally:
        engine.dispose()
    assert salts[1] is None and salts[2] is not None and len(salts[2]) == 64
    running = {key for pulse_id, key in keys if pulse_id == 2}
    closed = {key for pulse_id, key in keys if pulse_id == 1}
    assert running == {_old_key(salts[2], 2, person) for person in people}
    assert len(closed) == 2 and not closed & {_old_key(generated, 1, person) for person in people}
    assert "instance_secrets" not in tables
