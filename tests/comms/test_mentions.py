"""A person or channel feedbot names itself is a neutral mention: Slack gets its <@U…> markup exactly as before,
Teams the id as it is (it can only @mention by name, and feedbot keeps none), a terminal @U…."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.domain.replies import channel_mention, mention, unmarked, verbatim
from comms.render.slack import mrkdwn, note_message
from comms.render.teams import note_card, to_teams_markdown
from comms.render.text import plain
from comms.tiers import approval_request, delivery_report
from storage.models import Release


def _release() -> Release:
    return Release(
        id=12,
        platform="slack",
        team_id="T1",
        title="Faster search",
        version=None,
        summary="Quicker.",
        status="sent",
        send_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        created_by="U0CREATOR",
    )


def test_slack_gets_its_own_markup_and_typed_lookalikes_stay_escaped() -> None:
    text = f"{mention('U1')} and {channel_mention('C1')} saw {verbatim('<@U2>')}"

    assert mrkdwn(text) == "<@U1> and <#C1> saw &lt;@U2&gt;"
    assert to_teams_markdown(text) == "@U1 and \\#C1 saw \\<@U2\\>"
    assert plain(text) == unmarked(text) == "@U1 and #C1 saw <@U2>"


def test_release_notes_name_people_for_each_platform() -> None:
    release = _release()
    approval = approval_request(release, ZoneInfo("UTC"))
    report = delivery_report(release, {"lion": (2, 0)}, [], [], ["U0LION1", "U0LION2"])

    slack = json.dumps([note_message(approval), note_message(report)])
    assert "<@U0CREATOR> drafted *REL-12*" in slack
    assert "*Acknowledged by* <@U0LION1>, <@U0LION2>" in slack
    teams = json.dumps([note_card(approval), note_card(report)])
    assert "@U0CREATOR drafted **REL-12**" in teams
    assert "**Acknowledged by** @U0LION1, @U0LION2" in teams
    assert "<@" not in teams


def test_a_mention_cannot_smuggle_markers_or_end_early() -> None:
    # Ids come from platforms, but a marker inside one must not open a typed span or close the mention.
    odd = mention("U1\ue011\ue010x")

    assert mrkdwn(f"*{odd}*") == "*<@U1x>*"
