"""Reading a message action's invoke: the message's HTML as plain text, the link kept only when it is Teams' own,
and one key per person, message and command."""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity
from hypothesis import given
from hypothesis import strategies as st

from handlers.teams.message_actions import MAX_PLAIN, MessageAction, message_action, plain_text


def invoke(value: Any, conversation: str = "19:chat@thread.v2") -> Activity:
    return Activity().deserialize(
        {
            "type": "invoke",
            "id": "i-1",
            "name": "composeExtension/submitAction",
            "value": value,
            "conversation": {"id": conversation},
        }
    )


def test_html_becomes_its_words_with_line_breaks() -> None:
    html = (
        "<div><p>Search &amp; <b>filters</b> are&nbsp;slow</p><style>p{}</style><ul><li>one</li><li>two</li></ul>"
        "<script>alert('x')</script><at>Ada</at> said so<br>twice &lt;3</div>"
    )
    assert plain_text(html) == "Search & filters are slow\n\none\n\ntwo\nAda said so\ntwice <3"


def test_text_bodies_are_kept_and_everything_is_bounded() -> None:
    assert plain_text("<b>as typed</b>", "text") == "<b>as typed</b>"
    assert plain_text(None) == "" and plain_text(["<p>x</p>"]) == ""
    assert len(plain_text("<p>" + "word " * 50_000 + "</p>")) == MAX_PLAIN


@given(st.text(max_size=300), st.sampled_from(["html", "text", None, 3]))
def test_any_body_reads_as_text_without_failing(content: str, content_type: Any) -> None:
    text = plain_text(content, content_type)
    assert len(text) <= MAX_PLAIN and text == text.strip()


def test_only_teams_own_links_are_kept_else_the_chat_and_message_make_one() -> None:
    def link(given: object) -> str | None:
        value = {"commandId": "feedback_from_message", "messagePayload": {"id": "17", "linkToMessage": given}}
        action = message_action(invoke(value), with_inputs=False)
        assert isinstance(action, MessageAction)
        return action.link

    kept = "https://teams.microsoft.com/l/message/19:chat@thread.v2/17?tenantId=t"
    assert link(kept) == kept
    made = "https://teams.microsoft.com/l/message/19%3Achat%40thread.v2/17"
    for hostile in [
        "javascript:alert(1)",
        "https://teams.microsoft.com.evil.example/x",
        "http://teams.microsoft.com/x",
        "https://teams.microsoft.com/a b",
        42,
        None,
        "https://" + "x" * 2000,
    ]:
        assert link(hostile) == made, hostile


def test_the_key_is_one_per_person_message_and_command_and_fits_its_column() -> None:
    value = {"commandId": "bug_from_message", "messagePayload": {"id": "17"}, "data": {"title": " T ", "n": 5}}
    action = message_action(invoke(value, "19:" + "c" * 900 + ";messageid=17"), with_inputs=True)
    assert isinstance(action, MessageAction) and action.fields == {"title": "T"}
    assert action.source_key("29:1ada") == action.source_key("29:1ada") != action.source_key("29:1bob")
    assert len(action.source_key("29:1ada")) <= 255
    other = message_action(invoke(value | {"commandId": "feedback_from_message"}), with_inputs=True)
    assert isinstance(other, MessageAction) and other.source_key("29:1ada") != action.source_key("29:1ada")


def test_what_cannot_be_read_says_why() -> None:
    assert message_action(invoke(None), with_inputs=False) == "the invoke has no value object"
    assert message_action(invoke({"commandId": ""}), with_inputs=False) == "the invoke names no commandId"
    assert (
        message_action(invoke({"commandId": "x", "data": []}), with_inputs=True) == "the invoke's data is not an object"
    )
