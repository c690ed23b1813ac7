"""Fake issue-tracker APIs on 127.0.0.1: Jira Cloud REST v3, Linear GraphQL, GitHub REST.

Each checks what the real API checks before it creates anything (its auth header, the request's shape) and
answers like it: the created issue in the API's own form, or the API's own error body. `fail()` plans answers
(a 500, a 401, a 429 with Retry-After) for the next create requests. `webhook_headers` signs a status webhook
the way each tracker does, with the delivery id header each sends.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

JIRA_EMAIL = "bot@acme.test"
JIRA_TOKEN = "fake-jira-api-token"
JIRA_PROJECT = "EXP"
LINEAR_TOKEN = "lin_api_fake0123456789"
LINEAR_TEAM = "9cfb482a-81e3-4154-b5b9-2c805e70a02d"
GITHUB_TOKEN = "github_pat_fake0123456789"
GITHUB_REPO = "acme/mobile"


SIGNATURE_HEADERS = {"jira": "X-Hub-Signature", "linear": "Linear-Signature", "github": "X-Hub-Signature-256"}
DELIVERY_HEADERS = {
    "jira": "X-Atlassian-Webhook-Identifier",
    "linear": "Linear-Delivery",
    "github": "X-GitHub-Delivery",
}


def webhook_headers(tracker: str, body: bytes, secret: str, delivery_id: str | None = None) -> dict[str, str]:
    """What a tracker sends with a webhook: its signature of the body and a delivery id, new for each delivery
    (a redelivery of the same one repeats it: pass it)."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADERS[tracker]: digest if tracker == "linear" else f"sha256={digest}",
        DELIVERY_HEADERS[tracker]: delivery_id or str(uuid.uuid4()),
    }
    if tracker == "github":
        headers["X-GitHub-Event"] = "issues"
    return headers


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any
    status: int = 0  # what the fake answered


@dataclass
class Planned:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class FakeTracker(ABC):
    """The shared plumbing: a server on port 0, a record of every request, planned failures."""

    routes: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.created: list[dict[str, Any]] = []  # the request bodies that created an issue
        self.problems: list[str] = []  # shape errors the real API would refuse (400/422)
        self._planned: list[Planned] = []
        self._numbers = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Event()
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        for route in self.routes:
            app.router.add_post(route, self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def fail(self, status: int, times: int = 1, retry_after: int | None = None, body: Any = None) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        answer = body if body is not None else self.error_body(status)
        self._planned.extend(Planned(status, answer, headers) for _ in range(times))

    async def wait_created(self, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        async with asyncio.timeout(timeout):
            while len(self.created) < count:
                self._changed.clear()
                await self._changed.wait()
        return self.created

    async def _handle(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        received = Received(request.path, dict(request.headers), body)
        self.received.append(received)
        self._changed.set()
        if self._planned:
            planned = self._planned.pop(0)
            received.status = planned.status
            return web.json_response(planned.body, status=planned.status, headers=planned.headers)
        status, answer = self.answer(request, body)
        received.status = status
        if 200 <= status < 300:
            self.created.append(body)
            self._changed.set()
        return web.json_response(answer, status=status)

    @abstractmethod
    def error_body(self, status: int) -> Any:
        """The body this tracker answers an error with."""

    @abstractmethod
    def answer(self, request: web.Request, body: Any) -> tuple[int, Any]:
        """Check a create request as the real API does; the status and body it would answer."""

    def refuse(self, status: int, problem: str) -> tuple[int, Any]:
        self.problems.append(problem)
        return status, self.error_body(status)


def _adf_problems(node: Any, path: str = "description") -> list[str]:
    """Atlassian Document Format as Jira checks it: typed nodes, no empty text."""
    if not isinstance(node, dict) or not isinstance(node.get("type"), str):
        return [f"{path}: not an ADF node"]
    if node["type"] == "text":
        return [] if isinstance(node.get("text"), str) and node["text"] else [f"{path}: empty text node"]
    problems = []
    for number, child in enumerate(node.get("content", [])):
        problems += _adf_problems(child, f"{path}.{number}")
    return problems


class FakeJira(FakeTracker):
    routes = ("/rest/api/3/issue",)

    def error_body(self, status: int) -> Any:
        if status == 401:
            return {"errorMessages": ["You are not authenticated. Authentication required to perform this operation."]}
        if status == 400:
            return {"errorMessages": [], "errors": {"project": "Specify a valid project ID or key"}}
        return {"errorMessages": [f"Internal server error ({status})"], "errors": {}}

    def answer(self, request: web.Request, body: Any) -> tuple[int, Any]:
        expected = "Basic " + base64.b64encode(f"{JIRA_EMAIL}:{JIRA_TOKEN}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return 401, self.error_body(401)
        fields = body.get("fields") if isinstance(body, dict) else None
        if not isinstance(fields, dict):
            return self.refuse(400, "no fields")
        if fields.get("project") != {"key": JIRA_PROJECT}:
            return self.refuse(400, f"project {fields.get('project')}")
        summary = fields.get("summary")
        if not isinstance(summary, str) or not summary or len(summary) > 255 or "\n" in summary:
            return self.refuse(400, f"summary {summary!r}")
        if fields.get("issuetype") not in ({"name": "Bug"}, {"name": "Task"}):
            return self.refuse(400, f"issuetype {fields.get('issuetype')}")
        description = fields.get("description")
        if not isinstance(description, dict) or (description.get("type"), description.get("version")) != ("doc", 1):
            return self.refuse(400, "description is not an ADF document")
        problems = _adf_problems(description)
        if problems:
            return self.refuse(400, "; ".join(problems))
        number = next(self._numbers)
        issue_id = str(10000 + number)
        return 201, {
            "id": issue_id,
            "key": f"{JIRA_PROJECT}-{number}",
            "self": f"{self.url}/rest/api/3/issue/{issue_id}",
        }


class FakeLinear(FakeTracker):
    routes = ("/graphql",)

    def error_body(self, status: int) -> Any:
        if status in (400, 401):
            return {
                "errors": [
                    {
                        "message": "Authentication required, not authenticated",
                        "extensions": {
                            "type": "authentication error",
                            "code": "AUTHENTICATION_ERROR",
                            "userPresentableMessage": "You need to authenticate to access this operation.",
                        },
                    }
                ]
            }
        return {"errors": [{"message": "Internal server error", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]}

    def answer(self, request: web.Request, body: Any) -> tuple[int, Any]:
        # A personal API key goes in as it is; "Bearer" is for OAuth tokens, and Linear refuses a key sent that way.
        if request.headers.get("Authorization") != LINEAR_TOKEN:
            return 400, self.error_body(400)
        query = body.get("query") if isinstance(body, dict) else None
        variables = body.get("variables") if isinstance(body, dict) else None
        if not isinstance(query, str) or "issueCreate" not in query or not isinstance(variables, dict):
            return self.refuse(400, "not an issueCreate mutation")
        issue = variables.get("input")
        if not isinstance(issue, dict) or issue.get("teamId") != LINEAR_TEAM:
            return self.refuse(400, f"teamId {issue}")
        if (
            not isinstance(issue.get("title"), str)
            or not issue["title"]
            or not isinstance(issue.get("description"), str)
        ):
            return self.refuse(400, "title and description")
        number = next(self._numbers)
        created = {
            "id": str(uuid.uuid4()),
            "identifier": f"ENG-{number}",
            "url": f"https://linear.app/acme/issue/ENG-{number}/filed-by-feedbot",
        }
        return 200, {"data": {"issueCreate": {"success": True, "issue": created}}}


class FakeGitHub(FakeTracker):
    routes = ("/repos/{owner}/{repo}/issues",)

    def error_body(self, status: int) -> Any:
        messages = {401: "Bad credentials", 404: "Not Found", 422: "Validation Failed"}
        docs = "https://docs.github.com/rest"
        return {"message": messages.get(status, "Server Error"), "documentation_url": docs, "status": str(status)}

    def answer(self, request: web.Request, body: Any) -> tuple[int, Any]:
        if request.headers.get("Authorization") != f"Bearer {GITHUB_TOKEN}":
            return 401, self.error_body(401)
        if request.headers.get("Accept") != "application/vnd.github+json" or not request.headers.get(
            "X-GitHub-Api-Version"
        ):
            return self.refuse(400, "Accept and X-GitHub-Api-Version")
        repo = f"{request.match_info['owner']}/{request.match_info['repo']}"
        if repo != GITHUB_REPO:
            return 404, self.error_body(404)
        if not isinstance(body, dict) or not isinstance(body.get("title"), str) or not body["title"]:
            return self.refuse(422, "title")
        labels = body.get("labels", [])
        if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
            return self.refuse(422, "labels")
        number = next(self._numbers) + 41
        return 201, {
            "number": number,
            "html_url": f"https://github.com/{GITHUB_REPO}/issues/{number}",
            "url": f"{self.url}/repos/{GITHUB_REPO}/issues/{number}",
            "state": "open",
            "title": body["title"],
        }
