"""Where Slack members sit, read from their profiles: the custom profile fields labelled "Department" and "Location".

Custom fields are the workspace's own (an admin defines them, or SCIM fills them from the HR system), so their ids
differ everywhere: team.profile.get lists each field's id and label, and we take the ones labelled Department and
Location (any case). users.list does not carry custom fields, so each human's are read with users.profile.get
(Tier 4, 100+ a minute; 429s are waited out). The standard `title` is a job title, not a department: never used."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.profiles import Profile
from comms.audience import NOT_A_PERSON, PAGE_SIZE

log = logging.getLogger("feedbot.slack_profiles")

DEPARTMENT_LABEL = "department"
LOCATION_LABEL = "location"


@dataclass(frozen=True)
class ProfileFields:
    """The ids of the workspace's Department and Location fields (None: the workspace has no such field)."""

    department: str | None
    location: str | None


class ProfilesUnavailable(Exception):
    """Slack refused or could not answer; the message says what the operator can do."""


class _Gone(ProfilesUnavailable):
    """The member left between users.list and users.profile.get."""


def profile_client(token: str, base_url: str) -> AsyncWebClient:
    client = AsyncWebClient(token=token, base_url=base_url)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=5))
    return client


async def _call(client: AsyncWebClient, method: str, **params: Any) -> dict[str, Any]:
    try:
        response = await client.api_call(method, http_verb="GET", params=params)
    except SlackApiError as error:
        code = str(error.response.get("error") or f"http_{error.response.status_code}")
        if code == "user_not_found":
            raise _Gone(code) from None
        if code == "missing_scope":
            raise ProfilesUnavailable(
                f"Slack refused {method}: the app lacks the users.profile:read scope (add it from manifest.yml and "
                "reinstall)"
            ) from None
        raise ProfilesUnavailable(f"Slack refused {method} ({code})") from None
    except Exception as error:
        log.warning("%s failed: %s", method, type(error).__name__)
        raise ProfilesUnavailable(f"could not reach Slack for {method}; please try again") from None
    return dict(response.data) if isinstance(response.data, dict) else {}


async def profile_fields(client: AsyncWebClient) -> ProfileFields:
    answer = await _call(client, "team.profile.get")
    fields = (answer.get("profile") or {}).get("fields") or []
    by_label: dict[str, str] = {}
    for field in fields:
        if isinstance(field, dict) and isinstance(field.get("label"), str) and isinstance(field.get("id"), str):
            by_label.setdefault(field["label"].strip().lower(), field["id"])
    return ProfileFields(by_label.get(DEPARTMENT_LABEL), by_label.get(LOCATION_LABEL))


async def _humans(client: AsyncWebClient) -> list[dict[str, Any]]:
    me = (await _call(client, "auth.test")).get("user_id")
    members: list[dict[str, Any]] = []
    cursor = ""
    while True:
        page = await _call(client, "users.list", limit=PAGE_SIZE, **({"cursor": cursor} if cursor else {}))
        members.extend(member for member in page.get("members") or [] if isinstance(member, dict))
        cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
        if not cursor:
            break
    return [
        member
        for member in members
        if isinstance(member.get("id"), str)
        and member["id"] not in {me, *NOT_A_PERSON}
        and not member.get("deleted")
        and not member.get("is_bot")
        and not member.get("is_app_user")
    ]


def _value(fields: Any, field_id: str | None) -> str | None:
    if field_id is None or not isinstance(fields, dict):
        return None
    entry = fields.get(field_id)
    value = entry.get("value") if isinstance(entry, dict) else None
    return " ".join(value.split()) or None if isinstance(value, str) else None


async def profiles(client: AsyncWebClient) -> tuple[ProfileFields, list[Profile]]:
    """Every active human's Department and Location (and email, for the second key). Without either field in the
    workspace, nobody's profile is read."""
    wanted = await profile_fields(client)
    if wanted.department is None and wanted.location is None:
        return wanted, []
    found = []
    for member in await _humans(client):
        given = member.get("profile")
        profile: dict[str, Any] = given if isinstance(given, dict) else {}
        fields = profile.get("fields")
        if not isinstance(fields, dict):
            try:
                answer = await _call(client, "users.profile.get", user=member["id"])
            except _Gone:
                continue
            fields = (answer.get("profile") or {}).get("fields")
        email = profile.get("email")
        found.append(
            Profile(
                member["id"],
                email.strip() if isinstance(email, str) and "@" in email else None,
                _value(fields, wanted.department),
                _value(fields, wanted.location),
            )
        )
    return wanted, found
