"""Each tracker client against its fake: answers mapped to created / retry / pause / permanent, no secrets shown."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from comms.senders import Permanent, RateLimited, Transient
from comms.trackers import Created, Issue
from comms.trackers.github import GitHubClient
from comms.trackers.jira import JiraClient
from comms.trackers.linear import LinearClient
from tests.fakes import trackers as fakes
from tests.support import free_port

ISSUE = Issue("bug", "BUG-7", "Login fails", (("What happened", "Spins\n\nforever"), ("Expected", "")), ("bug",))
RATE_LIMITED = {"errors": [{"message": "Rate limit exceeded", "extensions": {"code": "RATELIMITED"}}]}


@pytest.fixture
async def github() -> AsyncIterator[tuple[fakes.FakeGitHub, GitHubClient]]:
    fake = fakes.FakeGitHub()
    await fake.start()
    client = GitHubClient(fake.url, fakes.GITHUB_TOKEN, fakes.GITHUB_REPO)
    yield fake, client
    await client.close()
    await fake.stop()


async def test_github_answers_map_to_verdicts(github: tuple[fakes.FakeGitHub, GitHubClient]) -> None:
    fake, client = github
    fake.fail(500)
    fake.fail(429, retry_after=7)
    fake.fail(403, retry_after=3, body={"message": "You have exceeded a secondary rate limit"})
    fake.fail(422)

    assert await client.create(ISSUE) == Transient("http_500: Server Error")
    assert await client.create(ISSUE) == RateLimited(7.0)
    assert await client.create(ISSUE) == RateLimited(3.0)
    assert await client.create(ISSUE) == Permanent("http_422: Validation Failed")
    assert await client.create(ISSUE) == Created("#42", "https://github.com/acme/mobile/issues/42")
    assert fakes.GITHUB_TOKEN not in repr(client)


async def test_linear_reports_its_rate_limit_as_a_graphql_error_and_a_bad_key_as_permanent() -> None:
    fake = fakes.FakeLinear()
    await fake.start()
    good = LinearClient(f"{fake.url}/graphql", fakes.LINEAR_TOKEN, fakes.LINEAR_TEAM)
    bad = LinearClient(f"{fake.url}/graphql", "lin_api_wrong", fakes.LINEAR_TEAM)
    try:
        fake.fail(400, body=RATE_LIMITED)
        assert isinstance(await good.create(ISSUE), RateLimited)
        refused = await bad.create(ISSUE)
        assert isinstance(refused, Permanent) and "authenticate" in refused.error
        assert "lin_api_wrong" not in refused.error and "lin_api_wrong" not in repr(bad)
        created = await good.create(ISSUE)
        assert isinstance(created, Created) and created.key == "ENG-1"
    finally:
        await good.close()
        await bad.close()
        await fake.stop()
    assert fake.problems == []


async def test_jira_unreachable_is_retried_and_a_wrong_token_is_permanent() -> None:
    nowhere = JiraClient(f"http://127.0.0.1:{free_port()}", fakes.JIRA_EMAIL, fakes.JIRA_TOKEN, "EXP")
    fake = fakes.FakeJira()
    await fake.start()
    wrong = JiraClient(fake.url, fakes.JIRA_EMAIL, "not-the-token", "EXP")
    try:
        assert await nowhere.create(ISSUE) == Transient("ClientConnectorError")
        refused = await wrong.create(ISSUE)
        assert isinstance(refused, Permanent) and refused.error.startswith("http_401: You are not authenticated")
        assert "not-the-token" not in repr(wrong)
    finally:
        await nowhere.close()
        await wrong.close()
        await fake.stop()
