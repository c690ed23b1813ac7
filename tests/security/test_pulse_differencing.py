"""Issue 15, hole 2: pulse results could be differenced. Running `/pulse results` at 5 answers and again at 6
showed the sixth person's score; a changed answer showed the old and the new score; comments appeared live; and
/digest showed the running eNPS. Now a running pulse shows its answer count and response rate only, to everyone,
and a closed one shows scores to admins and its launcher alone, once it reached the threshold."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from typing import Any

from sqlalchemy import update

from storage.models import Pulse
from tests.conftest import ADMIN_USER
from tests.e2e.test_pulses import HUMANS, click, start_pulse
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import block_actions, interactive, slash_command, text_value, view_submission
from tests.support import RunningServer, serve_env

OUTSIDER = "UHUMAN012"  # asked like everyone, neither admin nor launcher
SCORE_SIGNS = re.compile(r"eNPS [+-]?\d|█|Promoters|Detractors|\(\d+%\)")


async def results(server: RunningServer, user: str, text: str = "results PULSE-1") -> str:
    status, answer = await server.slack(slash_command("/pulse", text, user_id=user))
    assert status == 200
    return str(answer["text"])


async def comment(server: RunningServer, fake: FakeSlack, user: str, words: str) -> None:
    answered = [call for call in fake.calls_to("response_url") if call.get("replace_original")][-1]
    button = {"text": answered["text"], "blocks": answered["blocks"]}
    opening = block_actions("pulse_comment", "1", message=button, response_url=fake.response_url("c"), user_id=user)
    await server.slack(interactive(opening))
    modal = (await fake.wait_for("views.open"))[-1]
    await server.slack(interactive(view_submission(modal["view"], {"comment": text_value(words)}, user_id=user)))


async def test_a_non_admin_differencing_5_and_6_answers_sees_no_score(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    dms = {call["channel"]: call for call in await start_pulse(server, fake_slack)}
    for user in HUMANS[:5]:
        await click(server, fake_slack, dms[user], 10)
    at_five = await results(server, OUTSIDER)
    await click(server, fake_slack, dms[HUMANS[5]], 0)
    at_six = await results(server, OUTSIDER)

    assert "5 answered so far" in at_five and "6 answered so far" in at_six
    assert not SCORE_SIGNS.search(at_five) and not SCORE_SIGNS.search(at_six), (at_five, at_six)
    # The only difference between the two looks is the count (and the rate it makes).
    assert at_five.replace("5 answered", "N").replace("42%", "R") == at_six.replace("6 answered", "N").replace(
        "50%", "R"
    )


async def test_an_admin_sees_only_the_count_and_rate_of_a_running_pulse_and_no_comment(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    dms = {call["channel"]: call for call in await start_pulse(server, fake_slack)}
    for user in HUMANS[:6]:
        await click(server, fake_slack, dms[user], 9)
    await comment(server, fake_slack, HUMANS[5], "My team lead is the problem")

    seen = await results(server, ADMIN_USER, "results")

    assert "6 answered so far" in seen and "50% of 12 asked" in seen
    assert not SCORE_SIGNS.search(seen) and "team lead" not in seen, seen


async def test_a_changed_answer_reveals_neither_the_old_nor_the_new_score(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    dms = {call["channel"]: call for call in await start_pulse(server, fake_slack)}
    for user in HUMANS[:5]:
        await click(server, fake_slack, dms[user], 8)
    await click(server, fake_slack, dms[HUMANS[5]], 9)
    before = await results(server, ADMIN_USER)
    await click(server, fake_slack, dms[HUMANS[5]], 0)
    after = await results(server, ADMIN_USER)

    assert before == after and "6 answered so far" in after
    assert not SCORE_SIGNS.search(after)


async def test_digest_during_a_running_pulse_shows_no_enps_of_it(server: RunningServer, fake_slack: FakeSlack) -> None:
    dms = {call["channel"]: call for call in await start_pulse(server, fake_slack)}
    for user in HUMANS[:6]:
        await click(server, fake_slack, dms[user], 10)  # a running eNPS of +100

    await server.slack(slash_command("/digest", "", user_id=ADMIN_USER, response_url=fake_slack.response_url("digest")))
    copy = next(call for call in await fake_slack.wait_for("response_url", count=7) if call["key"] == "digest")
    shown = json.dumps(copy, ensure_ascii=False)

    assert "+100" not in shown and not re.search(r"eNPS [+-]?\d", shown), shown
    assert re.search(r"the pulse of \d{1,2} \w{3} running: 6 of 12 asked answered so far", shown), shown


async def test_after_close_the_admin_and_the_launcher_see_results_and_nobody_else(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    dms = {call["channel"]: call for call in await start_pulse(server, fake_slack)}
    for user, score in zip(HUMANS[:6], [10, 10, 9, 8, 6, 0], strict=True):
        await click(server, fake_slack, dms[user], score)
    await comment(server, fake_slack, HUMANS[0], "Faster approvals please")
    launcher = HUMANS[11]
    async with server.deps.db.sessions.begin() as session:
        # Launched by someone who has since left FEEDBOT_ADMINS: still theirs to read.
        await session.execute(update(Pulse).where(Pulse.id == 1).values(created_by=launcher))
    _, closed = await server.slack(slash_command("/pulse", "close", user_id=ADMIN_USER))
    assert "is closed" in closed["text"]

    by_admin = await results(server, ADMIN_USER)
    by_launcher = await results(server, launcher)
    refused = await results(server, HUMANS[0])

    # 3 promoters, 1 passive, 2 detractors of 6: 50% − 33% = +17.
    assert "eNPS +17" in by_admin and "Faster approvals please" in by_admin
    assert by_launcher == by_admin
    assert "Only feedbot admins and the person who launched PULSE-1" in refused
    assert not SCORE_SIGNS.search(refused) and "Faster" not in refused


async def test_a_closed_pulse_below_the_threshold_stays_hidden_even_to_admins(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    dms = {call["channel"]: call for call in await start_pulse(server, fake_slack)}
    for user in HUMANS[:4]:
        await click(server, fake_slack, dms[user], 10)
    await server.slack(slash_command("/pulse", "close", user_id=ADMIN_USER))

    seen = await results(server, ADMIN_USER)

    assert "only 4 answered, fewer than 5" in seen and not SCORE_SIGNS.search(seen)


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True, timeout=60)


async def test_the_cli_shows_a_running_pulse_count_and_exports_no_running_answers(
    server: RunningServer, fake_slack: FakeSlack, database_url: str
) -> None:
    dms = {call["channel"]: call for call in await start_pulse(server, fake_slack)}
    for user in HUMANS[:6]:
        await click(server, fake_slack, dms[user], 10)
    env = serve_env(database_url, fake_slack)

    shown = await asyncio.to_thread(_cli, env, "pulse", "results", "--team", "T0001")
    exported = await asyncio.to_thread(_cli, env, "export", "pulse-responses", "--format", "json")

    assert shown.returncode == 0 and "6 answered so far" in shown.stdout, shown
    assert not SCORE_SIGNS.search(shown.stdout)
    assert exported.returncode == 0 and json.loads(exported.stdout) == []
    assert "closed pulses with at least 5 answers only" in exported.stderr

    await server.slack(slash_command("/pulse", "close", user_id=ADMIN_USER))
    closed: Any = await asyncio.to_thread(_cli, env, "export", "pulse-responses", "--format", "json")
    assert sorted(row["score"] for row in json.loads(closed.stdout)) == [10] * 6
