"""Jira Cloud: REST v3 `POST /rest/api/3/issue`, Basic auth with an Atlassian account's email and API token."""

from __future__ import annotations

import base64
from typing import Any

from comms.trackers import Created, CreateResult, Issue
from comms.trackers.http import TrackerHttp, classify, unexpected

NAME = "jira"
SUMMARY_LIMIT = 255  # Jira refuses longer summaries
ISSUE_TYPES = {"bug": "Bug", "feedback": "Task"}


def _text_node(text: str, href: str | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": text}
    if href:
        node["marks"] = [{"type": "link", "attrs": {"href": href}}]
    return node


def _paragraph(text: str) -> dict[str, Any]:
    # Line breaks inside a paragraph are hardBreak nodes; ADF refuses empty text nodes.
    content: list[dict[str, Any]] = []
    for number, line in enumerate(text.split("\n")):
        if number:
            content.append({"type": "hardBreak"})
        if line:
            content.append(_text_node(line))
    return {"type": "paragraph", "content": content}


def description(issue: Issue) -> dict[str, Any]:
    """The issue's text as Atlassian Document Format, which v3 requires instead of wiki markup."""
    content: list[dict[str, Any]] = []
    for heading, text in issue.paragraphs:
        if not text:
            continue
        if heading:
            content.append({"type": "heading", "attrs": {"level": 3}, "content": [_text_node(heading)]})
        content.append(_paragraph(text))
    if issue.link:
        content.append({"type": "paragraph", "content": [_text_node("From Slack", issue.link)]})
    content.append({"type": "paragraph", "content": [_text_node(f"Filed by feedbot as {issue.label}.")]})
    return {"type": "doc", "version": 1, "content": content}


def _message(body: Any) -> str | None:
    """{"errorMessages": [...], "errors": {"field": "why"}}: Jira's own explanation."""
    if not isinstance(body, dict):
        return None
    messages = [str(text) for text in body.get("errorMessages") or []]
    errors = body.get("errors")
    if isinstance(errors, dict):
        messages += [f"{field}: {why}" for field, why in errors.items()]
    return "; ".join(messages) or None


class JiraClient:
    name = NAME

    def __init__(self, site: str, email: str, token: str, project: str, http: TrackerHttp | None = None) -> None:
        self._site = site.rstrip("/")
        self._project = project
        credentials = base64.b64encode(f"{email}:{token}".encode()).decode()
        self._headers = {"Authorization": f"Basic {credentials}", "Accept": "application/json"}
        self._http = http or TrackerHttp()

    def __repr__(self) -> str:  # never the credentials
        return f"JiraClient({self._site!r}, project={self._project!r})"

    async def create(self, issue: Issue) -> CreateResult:
        fields = {
            "project": {"key": self._project},
            "summary": f"{issue.title} ({issue.label})"[:SUMMARY_LIMIT],
            "issuetype": {"name": ISSUE_TYPES.get(issue.kind, "Task")},
            "description": description(issue),
        }
        answer = await self._http.post_json(f"{self._site}/rest/api/3/issue", {"fields": fields}, self._headers)
        if not isinstance(answer, tuple):
            return answer
        status, body, retry_after = answer
        if 200 <= status < 300 and isinstance(body, dict) and isinstance(body.get("key"), str):
            return Created(body["key"], f"{self._site}/browse/{body['key']}")
        if 200 <= status < 300:
            return unexpected(status)
        return classify(status, body, retry_after, _message)

    async def close(self) -> None:
        await self._http.close()
