"""Settings: every environment variable of the external contract, read once and validated.

A missing or malformed value stops start-up with one line that names the variable (`SettingsError`).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain.platforms import SLACK, TEAMS, is_teams_person_id

MIN_SHARED_SECRET = 16
TRACKERS = ("jira", "linear", "github")
# What each tracker needs before it is on; a partial set is a mistake worth stopping for (_check_trackers).
TRACKER_REQUIRED = {
    "jira": ("jira_url", "jira_email", "jira_token", "jira_project"),
    "linear": ("linear_token", "linear_team"),
    "github": ("github_token", "github_repo"),
}
TRACKER_TEXT_SETTINGS = (
    *(name for names in TRACKER_REQUIRED.values() for name in names),
    "jira_webhook_secret",
    "linear_webhook_secret",
    "github_webhook_secret",
    "tracker_default",
)


# Who may be a Teams admin or approver: a person's Bot Framework id (29:…) or their Entra object id (a GUID).
# Slack ids (U…, W…) are neither, so an id Teams sends is never read as a Slack person's.
QUERY_PASSWORD = re.compile(r"([?&]password=)[^&]*", re.IGNORECASE)
SLACK_PERSON = re.compile(r"[UW][A-Z0-9]{2,}")
ENTRA_OBJECT_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
SLACK_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,}")


# A channel's (or group chat's) conversation id as the bot sees it: "19:…@thread.tacv2", without a thread's
# ";messageid=…". 64 characters is what a triage post's channel column keeps.
TEAMS_CHANNEL_ID = re.compile(r"19:[\w\-.@:]{1,61}")


def triage_channel_platform(channel: str) -> str | None:
    """Which platform's channel a triage channel id is ("slack", "teams"), or None when it is neither."""
    if SLACK_CHANNEL_ID.fullmatch(channel):
        return SLACK
    return TEAMS if TEAMS_CHANNEL_ID.fullmatch(channel) else None


def is_teams_person(user_id: str) -> bool:
    return is_teams_person_id(user_id) or ENTRA_OBJECT_ID.fullmatch(user_id) is not None


def _listed_id(entry: str) -> str:
    """How an id is compared with the lists: Entra object ids are GUIDs, which Azure writes in either case."""
    return entry.lower() if ENTRA_OBJECT_ID.fullmatch(entry) else entry


def _listed_for(ids: frozenset[str], user_id: str, platform: str, aliases: Iterable[str] = ()) -> bool:
    """FEEDBOT_ADMINS, FEEDBOT_RELEASE_AUTHORS, FEEDBOT_RELEASE_APPROVERS and FEEDBOT_TRIAGERS mix Slack and Teams
    ids; Teams vouches only for Teams ids: the person's 29: id, or the Entra object id it sends along (`aliases`)."""
    # Only Teams sends another id of the same person (the Entra object id, with the 29: id).
    for candidate in (user_id, *aliases) if platform == "teams" else (user_id,):
        if not candidate or (platform == "teams" and not is_teams_person(candidate)):
            continue
        if _listed_id(candidate) in ids:
            return True
    return False


def redact_url_password(url: str) -> str:
    """postgresql://feedbot:s3cret@db/feedbot → postgresql://feedbot:***@db/feedbot, and a libpq-style
    ?password=… likewise (for reprs and logs)."""
    url = QUERY_PASSWORD.sub(r"\1***", url)
    scheme, separator, rest = url.partition("://")
    credentials, at, location = rest.rpartition("@")
    if not separator or not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{location}"


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line naming the variable."""


def _blank_to_none(value: Any) -> Any:
    # An exported-but-empty variable (`SLACK_BOT_TOKEN=`) means "not set", not "set to nothing".
    if isinstance(value, str) and not value.strip():
        return None
    return value.strip() if isinstance(value, str) else value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", populate_by_name=True)

    database_url: str = Field("sqlite:///feedbot.db", validation_alias="DATABASE_URL")
    slack_bot_token: str | None = Field(None, validation_alias="SLACK_BOT_TOKEN", repr=False)
    slack_signing_secret: str | None = Field(None, validation_alias="SLACK_SIGNING_SECRET", repr=False)
    slack_app_token: str | None = Field(None, validation_alias="SLACK_APP_TOKEN", repr=False)
    slack_api_url: str = Field("https://slack.com/api/", validation_alias="SLACK_API_URL")
    slack_client_id: str | None = Field(None, validation_alias="SLACK_CLIENT_ID")
    slack_client_secret: str | None = Field(None, validation_alias="SLACK_CLIENT_SECRET", repr=False)
    microsoft_app_id: str | None = Field(None, validation_alias="MICROSOFT_APP_ID")
    microsoft_app_password: str | None = Field(None, validation_alias="MICROSOFT_APP_PASSWORD", repr=False)
    microsoft_app_tenant_id: str | None = Field(None, validation_alias="MICROSOFT_APP_TENANT_ID")
    # /api/messages without Microsoft credentials, for the Bot Framework Emulator on this machine: nothing is
    # authenticated then, so it is never on by default (handlers/teams/route.py).
    teams_emulator: bool = Field(False, validation_alias="FEEDBOT_TEAMS_EMULATOR")
    admins: Annotated[frozenset[str], NoDecode] = Field(frozenset(), validation_alias="FEEDBOT_ADMINS")
    anonymity_threshold: int = Field(5, validation_alias="FEEDBOT_ANONYMITY_THRESHOLD")
    timezone: str = Field("UTC", validation_alias="FEEDBOT_TIMEZONE")
    secret_key: str | None = Field(None, validation_alias="FEEDBOT_SECRET_KEY", repr=False)
    product_name: str = Field("our product", validation_alias="FEEDBOT_PRODUCT_NAME")
    release_approvers: Annotated[frozenset[str], NoDecode] = Field(
        frozenset(), validation_alias="FEEDBOT_RELEASE_APPROVERS"
    )
    # Who may triage feedback (status, assignee, replies, merges) besides the admins.
    triagers: Annotated[frozenset[str], NoDecode] = Field(frozenset(), validation_alias="FEEDBOT_TRIAGERS")
    # Who may write, schedule and manage release notes (/release) besides the admins.
    release_authors: Annotated[frozenset[str], NoDecode] = Field(
        frozenset(), validation_alias="FEEDBOT_RELEASE_AUTHORS"
    )
    release_grace_hours: float = Field(24.0, validation_alias="FEEDBOT_RELEASE_GRACE_HOURS")
    # Lions who have not acknowledged a release this long after it reached them get one reminder; None ("off"): never.
    ack_reminder_hours: float | None = Field(48.0, validation_alias="FEEDBOT_ACK_REMINDER_HOURS")
    delivery_max_attempts: int = Field(5, validation_alias="FEEDBOT_DELIVERY_MAX_ATTEMPTS")
    delivery_retry_seconds: float = Field(2.0, validation_alias="FEEDBOT_DELIVERY_RETRY_SECONDS")
    delivery_lease_seconds: float = Field(120.0, validation_alias="FEEDBOT_DELIVERY_LEASE_SECONDS")
    pulse_days: float = Field(5.0, validation_alias="FEEDBOT_PULSE_DAYS")
    digest_day: str = Field("mon", validation_alias="FEEDBOT_DIGEST_DAY")
    digest_hour: int = Field(9, validation_alias="FEEDBOT_DIGEST_HOUR")
    # A release's before → after compares this many days either side of its ship date (bot/services/release_effect.py).
    digest_compare_days: int = Field(14, validation_alias="FEEDBOT_DIGEST_COMPARE_DAYS")
    # None keeps texts forever; N empties feedback texts, bug descriptions and pulse comments after N days.
    retention_days: int | None = Field(None, validation_alias="FEEDBOT_RETENTION_DAYS")
    # POST /api/feedback answers 404 until this is set (bot/desks/feedback_api.py).
    api_token: str | None = Field(None, validation_alias="FEEDBOT_API_TOKEN", repr=False)
    # POST /api/events (usage events from products) answers 404 until this is set; it needs FEEDBOT_SECRET_KEY,
    # which keys the pseudonym every event's user is stored under (bot/domain/person_key.py).
    events_token: str | None = Field(None, validation_alias="FEEDBOT_EVENTS_TOKEN", repr=False)
    # Events out (comms/webhooks.py); the secret signs every POST and is required once the URL is set.
    # Not in the repr: a webhook URL often carries its own secret in the path (chat incoming-webhook URLs do).
    webhook_url: str | None = Field(None, validation_alias="FEEDBOT_WEBHOOK_URL", repr=False)
    webhook_secret: str | None = Field(None, validation_alias="FEEDBOT_WEBHOOK_SECRET", repr=False)
    # GET /metrics wants `Authorization: Bearer <this>` once it is set (bot/app.py).
    metrics_token: str | None = Field(None, validation_alias="FEEDBOT_METRICS_TOKEN", repr=False)
    # Issue trackers (comms/trackers/): each is on once all its required settings are set (_check_trackers).
    jira_url: str | None = Field(None, validation_alias="FEEDBOT_JIRA_URL")
    jira_email: str | None = Field(None, validation_alias="FEEDBOT_JIRA_EMAIL")
    jira_token: str | None = Field(None, validation_alias="FEEDBOT_JIRA_TOKEN", repr=False)
    jira_project: str | None = Field(None, validation_alias="FEEDBOT_JIRA_PROJECT")
    jira_webhook_secret: str | None = Field(None, validation_alias="FEEDBOT_JIRA_WEBHOOK_SECRET", repr=False)
    linear_token: str | None = Field(None, validation_alias="FEEDBOT_LINEAR_TOKEN", repr=False)
    linear_team: str | None = Field(None, validation_alias="FEEDBOT_LINEAR_TEAM")
    linear_api_url: str = Field("https://api.linear.app/graphql", validation_alias="FEEDBOT_LINEAR_API_URL")
    linear_webhook_secret: str | None = Field(None, validation_alias="FEEDBOT_LINEAR_WEBHOOK_SECRET", repr=False)
    github_token: str | None = Field(None, validation_alias="FEEDBOT_GITHUB_TOKEN", repr=False)
    github_repo: str | None = Field(None, validation_alias="FEEDBOT_GITHUB_REPO")
    github_api_url: str = Field("https://api.github.com", validation_alias="FEEDBOT_GITHUB_API_URL")
    github_webhook_secret: str | None = Field(None, validation_alias="FEEDBOT_GITHUB_WEBHOOK_SECRET", repr=False)
    # "expenses=jira,mobile=github": a bug's product (case-insensitive) picks its tracker; others go to the default.
    tracker_routes: Annotated[dict[str, str], NoDecode] = Field({}, validation_alias="FEEDBOT_TRACKER_ROUTES")
    tracker_default: str | None = Field(None, validation_alias="FEEDBOT_TRACKER_DEFAULT")
    # Where every new feedback item and bug is posted for the PMs: a Slack channel id (C…) for Slack's items, a
    # Teams channel's conversation id (19:…) for Teams' items, or one of each separated by a comma; per-product
    # channels are kept in the database (`feedbot triage route`). Read it through triage_channel_on(platform).
    triage_channel: str | None = Field(None, validation_alias="FEEDBOT_TRIAGE_CHANNEL")

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "slack_client_id",
        "slack_client_secret",
        "microsoft_app_id",
        "microsoft_app_password",
        "microsoft_app_tenant_id",
        "secret_key",
        "api_token",
        "events_token",
        "webhook_url",
        "webhook_secret",
        "metrics_token",
        *TRACKER_TEXT_SETTINGS,
        mode="before",
    )
    @classmethod
    def _optional_text(cls, value: Any) -> Any:
        return _blank_to_none(value)

    @field_validator("triage_channel", mode="before")
    @classmethod
    def _triage_channel(cls, value: Any) -> str | None:
        channels = _blank_to_none(value)
        if channels is None:
            return None
        parts = [part.strip() for part in str(channels).split(",") if part.strip()]
        platforms = [triage_channel_platform(part) for part in parts]
        if not parts or None in platforms or len(set(platforms)) != len(platforms):
            raise ValueError(
                "must be a Slack channel id (C0123ABCDEF), a Teams channel's conversation id (19:…@thread.tacv2, at "
                "most 64 characters), or one of each separated by a comma"
            )
        return ",".join(parts)

    @field_validator("database_url", mode="before")
    @classmethod
    def _database_url(cls, value: Any) -> str:
        url = _blank_to_none(value) or "sqlite:///feedbot.db"
        scheme = str(url).split("://", 1)[0].split("+", 1)[0]
        if "://" not in str(url) or scheme not in {"sqlite", "postgresql", "postgres"}:
            raise ValueError("use sqlite:///PATH or postgresql://USER@HOST:PORT/DB")
        return str(url)

    @field_validator("digest_day", mode="before")
    @classmethod
    def _weekday(cls, value: Any) -> str:
        day = str(_blank_to_none(value) or "mon").lower()
        day = day if day == "off" else day[:3]
        if day not in ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "off"):
            raise ValueError("must be a weekday (mon, tue, wed, thu, fri, sat, sun) or off")
        return day

    @field_validator("retention_days", mode="before")
    @classmethod
    def _optional_number(cls, value: Any) -> Any:
        return _blank_to_none(value)

    @field_validator("retention_days")
    @classmethod
    def _retention(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise ValueError("must be a whole number of days, at least 1 (leave it unset to keep texts)")
        return value

    @field_validator("digest_compare_days")
    @classmethod
    def _compare_days(cls, value: int) -> int:
        if not 1 <= value <= 90:
            raise ValueError("must be a whole number of days from 1 to 90")
        return value

    @field_validator("digest_hour")
    @classmethod
    def _hour(cls, value: int) -> int:
        if not 0 <= value <= 23:
            raise ValueError("must be an hour from 0 to 23")
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("xoxb-"):
            raise ValueError("a bot token starts with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("xapp-"):
            raise ValueError("an app-level token starts with xapp-")
        return value

    @field_validator("slack_api_url", mode="before")
    @classmethod
    def _api_url(cls, value: Any) -> str:
        url = _blank_to_none(value) or "https://slack.com/api/"
        if not str(url).startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        # slack_sdk joins base_url and method name by plain concatenation.
        return str(url) if str(url).endswith("/") else f"{url}/"

    @field_validator("admins", "release_approvers", "triagers", "release_authors", mode="before")
    @classmethod
    def _id_list(cls, value: Any) -> frozenset[str]:
        if value is None:
            return frozenset()
        parts = value.split(",") if isinstance(value, str) else value
        return frozenset(_listed_id(part.strip()) for part in parts if part.strip())

    @field_validator("triagers", "release_authors")
    @classmethod
    def _people(cls, value: frozenset[str]) -> frozenset[str]:
        # A channel or a typo here would silently leave someone unable to triage: say which entry is wrong.
        for entry in sorted(value):
            if not (SLACK_PERSON.fullmatch(entry) or is_teams_person(entry)):
                raise ValueError(
                    f"“{entry[:40]}” is not a person's id: list Slack user ids (U…, W…) or Teams ids (29:… or an "
                    "Entra object id), comma-separated"
                )
        return value

    @field_validator("anonymity_threshold", "delivery_max_attempts")
    @classmethod
    def _at_least_one(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be at least 1")
        return value

    @field_validator("delivery_lease_seconds")
    @classmethod
    def _long_enough_to_send(cls, value: float) -> float:
        if value < 1:
            raise ValueError("must be at least 1 second")
        return value

    @field_validator("release_grace_hours", "delivery_retry_seconds", "pulse_days")
    @classmethod
    def _not_negative(cls, value: float) -> float:
        if value < 0:
            raise ValueError("must not be negative")
        return value

    @field_validator("ack_reminder_hours", mode="before")
    @classmethod
    def _hours_or_off(cls, value: Any) -> Any:
        value = _blank_to_none(value)
        if value is None:
            return 48.0
        if isinstance(value, str) and value.strip().lower() == "off":
            return None
        try:
            hours = float(value)
        except (TypeError, ValueError):
            raise ValueError("must be a number of hours (e.g. 48) or off") from None
        if not hours > 0 or hours == float("inf"):
            raise ValueError("must be a number of hours above 0 (e.g. 48) or off")
        return hours

    @field_validator("timezone", mode="before")
    @classmethod
    def _timezone(cls, value: Any) -> str:
        name = _blank_to_none(value) or "UTC"
        try:
            ZoneInfo(str(name))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as Europe/Berlin") from None
        return str(name)

    @field_validator("teams_emulator", mode="before")
    @classmethod
    def _switch(cls, value: Any) -> Any:
        return False if _blank_to_none(value) is None else _blank_to_none(value)

    @field_validator("api_token", "events_token", "webhook_secret", "metrics_token")
    @classmethod
    def _long_secret(cls, value: str | None) -> str | None:
        # Short shared secrets can be guessed (API token) or brute-forced from one signed body (webhook secret).
        if value is not None and len(value) < MIN_SHARED_SECRET:
            raise ValueError(f"must be at least {MIN_SHARED_SECRET} characters (e.g. openssl rand -hex 32)")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL such as https://hooks.example.com/feedbot")
        return value

    @field_validator("jira_url", "linear_api_url", "github_api_url", mode="before")
    @classmethod
    def _tracker_url(cls, value: Any, info: ValidationInfo) -> Any:
        value = _blank_to_none(value)
        if value is None:
            # Set but empty means unset: the API's public address, or no Jira site (`_check_trackers` reports it).
            return cls.model_fields[str(info.field_name)].default
        parts = urlsplit(str(value))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL such as https://acme.atlassian.net")
        return str(value).rstrip("/")

    @field_validator("github_repo")
    @classmethod
    def _owner_and_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", value):
            raise ValueError("must be owner/name, e.g. acme/mobile")
        return value

    @field_validator("tracker_routes", mode="before")
    @classmethod
    def _routes(cls, value: Any) -> dict[str, str]:
        pairs: list[tuple[Any, ...]]
        if isinstance(value, dict):
            pairs = list(value.items())
        else:
            text = _blank_to_none(value) or ""
            pairs = [tuple(part.split("=", 1)) for part in str(text).split(",") if part.strip()]
        routes: dict[str, str] = {}
        for pair in pairs:
            if len(pair) != 2 or not str(pair[0]).strip() or str(pair[1]).strip().lower() not in TRACKERS:
                raise ValueError(f"write product=tracker pairs, comma-separated; trackers: {', '.join(TRACKERS)}")
            routes[str(pair[0]).strip().lower()] = str(pair[1]).strip().lower()
        return routes

    @field_validator("tracker_default")
    @classmethod
    def _tracker_name(cls, value: str | None) -> str | None:
        if value is not None and value.lower() not in TRACKERS:
            raise ValueError(f"must be one of {', '.join(TRACKERS)}")
        return value.lower() if value is not None else None

    @field_validator("secret_key")
    @classmethod
    def _secret_key(cls, value: str | None) -> str | None:
        """One Fernet key, or several separated by commas while rotating: the first encrypts, all decrypt."""
        if value is None:
            return None
        keys = [key.strip() for key in value.split(",")]
        for key in keys:
            try:
                raw = base64.urlsafe_b64decode(key.encode())
            except (binascii.Error, ValueError):
                raw = b""
            if len(raw) != 32:
                raise ValueError(
                    "must be a Fernet key (32 url-safe base64-encoded bytes), or several separated by commas"
                )
        return ",".join(keys)

    @property
    def secret_keys(self) -> list[str]:
        """FEEDBOT_SECRET_KEY as a list, newest first."""
        return self.secret_key.split(",") if self.secret_key else []

    @property
    def pseudonym_key(self) -> str | None:
        return self.secret_keys[0] if self.secret_keys else None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def oauth_enabled(self) -> bool:
        """OAuth distribution to many workspaces, instead of one workspace's SLACK_BOT_TOKEN."""
        return self.slack_client_id is not None and self.slack_client_secret is not None

    @property
    def teams_only(self) -> bool:
        """Serving Microsoft Teams alone: a Teams app is registered (or the emulator is on) and no Slack setting
        is given at all."""
        slack = (
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_client_id,
            self.slack_client_secret,
            self.slack_app_token,
        )
        return self.teams_enabled and not any(slack)

    @property
    def teams_enabled(self) -> bool:
        """/api/messages is mounted: with a Teams app registration, or the emulator mode switched on explicitly."""
        return self.microsoft_app_id is not None or self.teams_emulator

    def is_admin(self, user_id: str, platform: str, aliases: Iterable[str] = ()) -> bool:
        return _listed_for(self.admins, user_id, platform, aliases)

    @property
    def trackers(self) -> tuple[str, ...]:
        """The issue trackers whose required settings are all set, in TRACKERS order."""
        return tuple(name for name in TRACKERS if all(getattr(self, f) for f in TRACKER_REQUIRED[name]))

    def tracker_for(self, product: str | None) -> str | None:
        """Where a bug of this product goes: its route, else the default, else the only tracker; None: nowhere."""
        routed = self.tracker_routes.get((product or "").strip().lower())
        if routed is not None:
            return routed
        configured = self.trackers
        return self.tracker_default or (configured[0] if len(configured) == 1 else None)

    def triage_channel_on(self, platform: str) -> str | None:
        """FEEDBOT_TRIAGE_CHANNEL's channel for the items of this platform: each platform's items are posted on it."""
        channels = (self.triage_channel or "").split(",")
        return next((channel for channel in channels if triage_channel_platform(channel) == platform), None)

    def may_approve(self, user_id: str, platform: str, aliases: Iterable[str] = ()) -> bool:
        return _listed_for(self.release_approvers, user_id, platform, aliases)

    def is_release_author(self, user_id: str, platform: str, aliases: Iterable[str] = ()) -> bool:
        """Listed in FEEDBOT_RELEASE_AUTHORS (admins may write releases too; the services ask both)."""
        return _listed_for(self.release_authors, user_id, platform, aliases)

    def is_triager(self, user_id: str, platform: str, aliases: Iterable[str] = ()) -> bool:
        """Listed in FEEDBOT_TRIAGERS (admins may triage too; the services ask both)."""
        return _listed_for(self.triagers, user_id, platform, aliases)

    @property
    def vote_keys(self) -> list[str]:
        """What keys a voter's hash (bot/services/triage.py), newest first: FEEDBOT_SECRET_KEY's keys, then the
        platform secrets a server has anyway. None of them is ever in the database, so the hash of an anonymous
        vote leads to nobody without them; the older ones only recognise votes cast before a key was added."""
        platform_secrets = (self.slack_signing_secret, self.microsoft_app_password)
        return [*self.secret_keys, *(secret for secret in platform_secrets if secret)]

    def __repr_args__(self) -> Any:
        # The database password would otherwise land wherever the settings are printed or logged.
        for name, value in super().__repr_args__():
            yield name, redact_url_password(value) if name == "database_url" else value


def load_settings(**overrides: Any) -> Settings:
    """Read the environment once; raise SettingsError with a one-line, variable-naming message."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "?"
        variable = _env_name(field)
        reason = str(error["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{variable} is malformed: {reason}") from None
    if settings.webhook_url is not None and settings.webhook_secret is None:
        # Checked here, not in a model validator: pydantic would report it without a variable to name.
        raise SettingsError(
            "FEEDBOT_WEBHOOK_URL is set but FEEDBOT_WEBHOOK_SECRET is not: webhooks are always signed "
            "(generate one with openssl rand -hex 32)"
        )
    if settings.events_token is not None and settings.secret_key is None:
        raise SettingsError(
            "FEEDBOT_EVENTS_TOKEN is set but FEEDBOT_SECRET_KEY is not: usage events store each user only as a "
            "pseudonym keyed with it (generate one with python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')"
        )
    _check_trackers(settings)
    _check_microsoft(settings)
    return settings


def _check_microsoft(settings: Settings) -> None:
    """Teams is off with none of these (or, with FEEDBOT_TEAMS_EMULATOR, unauthenticated for the Bot Framework
    Emulator), or authenticated with an app id and its password; half a set would accept Teams' requests and then
    fail every reply."""
    if settings.microsoft_app_id and not settings.microsoft_app_password:
        raise SettingsError("MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is not: Teams replies need both")
    if not settings.microsoft_app_id and (settings.microsoft_app_password or settings.microsoft_app_tenant_id):
        variable = "MICROSOFT_APP_PASSWORD" if settings.microsoft_app_password else "MICROSOFT_APP_TENANT_ID"
        raise SettingsError(f"{variable} is set but MICROSOFT_APP_ID is not")
    if settings.microsoft_app_id and settings.teams_emulator:
        raise SettingsError(
            "FEEDBOT_TEAMS_EMULATOR is set together with MICROSOFT_APP_ID: unset FEEDBOT_TEAMS_EMULATOR (with the "
            "app id every request to /api/messages is authenticated; the emulator mode authenticates nothing)"
        )


def _check_trackers(settings: Settings) -> None:
    """A half-configured tracker, or a route to one that is not configured, would silently file nothing."""
    for name, fields in TRACKER_REQUIRED.items():
        present = [field for field in fields if getattr(settings, field)]
        if present and len(present) < len(fields):
            missing = [_env_name(field) for field in fields if field not in present]
            verb = "is" if len(missing) == 1 else "are"
            raise SettingsError(
                f"{_env_name(present[0])} is set but {' and '.join(missing)} {verb} not: the {name} tracker needs all"
            )
    configured = settings.trackers
    wanted = [("FEEDBOT_TRACKER_DEFAULT", settings.tracker_default)] if settings.tracker_default else []
    wanted += [("FEEDBOT_TRACKER_ROUTES", tracker) for tracker in settings.tracker_routes.values()]
    for variable, tracker in wanted:
        if tracker not in configured:
            needs = " and ".join(_env_name(field) for field in TRACKER_REQUIRED[tracker])
            raise SettingsError(f"{variable} names {tracker}, which is not configured (set {needs})")
    if len(configured) > 1 and settings.tracker_default is None:
        raise SettingsError(
            f"FEEDBOT_TRACKER_DEFAULT is not set: with {' and '.join(configured)} configured, say which one gets "
            "bugs whose product has no route"
        )


def _env_name(field_or_alias: str) -> str:
    for name, info in Settings.model_fields.items():
        if field_or_alias in (name, info.validation_alias):
            return str(info.validation_alias or name).upper()
    return field_or_alias.upper()


def require_slack_credentials(settings: Settings, *, socket_mode: bool = False) -> None:
    if socket_mode:
        _require_socket_mode_credentials(settings)
        return
    if settings.oauth_enabled:
        _require_oauth_credentials(settings)
        return
    if settings.teams_only:
        return
    if (settings.slack_client_id is None) != (settings.slack_client_secret is None):
        present, absent = (
            ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
            if settings.slack_client_secret is None
            else ("SLACK_CLIENT_SECRET", "SLACK_CLIENT_ID")
        )
        raise SettingsError(f"{present} is set but {absent} is not: OAuth distribution needs both")
    missing = [
        name
        for name, value in (
            ("SLACK_SIGNING_SECRET", settings.slack_signing_secret),
            ("SLACK_BOT_TOKEN", settings.slack_bot_token),
        )
        if value is None
    ]
    if missing:
        raise SettingsError(
            f"feedbot serve needs {' and '.join(missing)}: copy them from your Slack app's Basic Information "
            "and OAuth & Permissions pages (or serve Teams alone with MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD, "
            "or try the bot without either: feedbot shell)"
        )


def _require_socket_mode_credentials(settings: Settings) -> None:
    """Socket Mode: Slack signs nothing sent over the WebSocket (the app-level token authenticates the connection
    itself), so the app token takes the signing secret's place."""
    if settings.slack_app_token is None:
        raise SettingsError(
            "feedbot serve --socket-mode needs SLACK_APP_TOKEN: create an app-level token (xapp-…) with the "
            "connections:write scope on your Slack app's Basic Information page"
        )
    if settings.oauth_enabled:
        # Not wired up together: installs would still need the HTTP OAuth pages, and nothing tests the pair.
        raise SettingsError(
            "feedbot serve --socket-mode serves one workspace with SLACK_BOT_TOKEN: unset SLACK_CLIENT_ID and "
            "SLACK_CLIENT_SECRET, or serve over HTTP for OAuth distribution"
        )
    if settings.slack_bot_token is None:
        raise SettingsError(
            "feedbot serve --socket-mode needs SLACK_BOT_TOKEN: copy it from your Slack app's OAuth & Permissions page"
        )


def _require_oauth_credentials(settings: Settings) -> None:
    if settings.slack_bot_token is not None:
        raise SettingsError(
            "SLACK_BOT_TOKEN is set together with SLACK_CLIENT_ID/SLACK_CLIENT_SECRET: unset it; with OAuth "
            "distribution each workspace's token comes from its installation"
        )
    if settings.slack_signing_secret is None:
        raise SettingsError("feedbot serve needs SLACK_SIGNING_SECRET: copy it from your Slack app's Basic Information")
    if settings.secret_key is None:
        raise SettingsError(
            "OAuth distribution needs FEEDBOT_SECRET_KEY, which encrypts the stored tokens: generate one with "
            "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        )
