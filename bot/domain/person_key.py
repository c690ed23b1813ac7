"""The keyed pseudonym that stands for a person in usage events and the people directory.

Events name people by whatever id the product uses (a chat id, an email, an internal number). Kept in clear, that
column would tell anyone reading the database who did what in every product. A plain hash would not help: ids are
few and listed, so hashing every member undoes it. HMAC-SHA256 keyed with FEEDBOT_SECRET_KEY (never in the database)
can only be recomputed by someone who holds the key and already knows the id: enough for purge to find a person's
events and for the people directory to join events to departments, useless to a reader of the tables."""

from __future__ import annotations

import hashlib
import hmac
import re

# An Entra (Azure AD) object id: a GUID, which HR exports write in capitals and Teams sends in small letters.
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def normalized(user: str) -> str:
    """The form two spellings of one id share: emails and GUIDs are case-insensitive, chat ids are not."""
    user = user.strip()
    return user.lower() if "@" in user or _GUID.fullmatch(user) else user


def person_key(secret_key: str, user: str) -> str:
    """64 hex characters. `secret_key` is FEEDBOT_SECRET_KEY's first key; purge recomputes with each of them."""
    message = f"person:{normalized(user)}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def is_entra_id(text: str) -> bool:
    return _GUID.fullmatch(text.strip()) is not None
