"""Linear: the GraphQL `issueCreate` mutation, authorised with a personal API key as Linear expects it (no Bearer)."""

from __future__ import annotations

from typing import Any

from comms.senders import Permanent, RateLimited, Transient, retry_after_seconds
from comms.trackers import MAX_ERROR, Created, CreateResult, Issue
from comms.trackers.http import TrackerHttp, classify, unexpected

NAME = "linear"
ISSUE_CREATE = """
mutation IssueCreate($input: IssueCreateInput!) {
  issueCreate(input: $input) { success issue { id identifier url } }
}
""".strip()


def _errors(body: Any) -> list[dict[str, Any]]:
    errors = body.get("errors") if isinstance(body, dict) else None
    return [error for error in errors if isinstance(error, dict)] if isinstance(errors, list) else []


def _message(body: Any) -> str | None:
    texts = []
    for error in _errors(body):
        extensions = error.get("extensions")
        extensions = extensions if isinstance(extensions, dict) else {}
        texts.append(str(extensions.get("userPresentableMessage") or error.get("message") or "error"))
    return "; ".join(texts) or None


def _code(error: dict[str, Any]) -> str:
    extensions = error.get("extensions")
    return str(extensions.get("code") or "") if isinstance(extensions, dict) else ""


class LinearClient:
    name = NAME

    def __init__(self, api_url: str, token: str, team_id: str, http: TrackerHttp | None = None) -> None:
        self._url = api_url
        self._team_id = team_id
        self._headers = {"Authorization": token}
        self._http = http or TrackerHttp()

    def __repr__(self) -> str:  # never the key
        return f"LinearClient({self._url!r}, team={self._team_id!r})"

    async def create(self, issue: Issue) -> CreateResult:
        variables = {
            "input": {
                "teamId": self._team_id,
                "title": f"{issue.title} ({issue.label})",
                "description": issue.plain_text(),
            }
        }
        answer = await self._http.post_json(self._url, {"query": ISSUE_CREATE, "variables": variables}, self._headers)
        if not isinstance(answer, tuple):
            return answer
        status, body, retry_after = answer
        errors = _errors(body)
        # Linear reports its rate limit as a GraphQL error (HTTP 400, code RATELIMITED), not always as a 429.
        if any(_code(error) == "RATELIMITED" for error in errors):
            return RateLimited(retry_after_seconds(retry_after))
        if status >= 300 or status < 200:
            return classify(status, body, retry_after, _message)
        if errors:
            # GraphQL errors in a 200: the mutation did not run (an invalid team id, a missing field).
            internal = any(_code(error) == "INTERNAL_SERVER_ERROR" for error in errors)
            text = f"graphql: {_message(body)}"[:MAX_ERROR]
            return Transient(text) if internal else Permanent(text)
        created = ((body or {}).get("data") or {}).get("issueCreate") or {}
        found = created.get("issue") if isinstance(created, dict) else None
        if created.get("success") and isinstance(found, dict) and found.get("identifier") and found.get("url"):
            return Created(str(found["identifier"]), str(found["url"]))
        return unexpected(status)

    async def close(self) -> None:
        await self._http.close()
