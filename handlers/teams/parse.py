"""Reading a Bot Framework activity: who sent it, from which tenant and conversation, what a card submitted, and the
reference that reaches this person or channel later. The desks get only what is read here."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from botbuilder.schema import Activity, ChannelAccount

from bot.commands import Mention, Place
from bot.desks.teams import CardSubmit, TeamsDesk
from bot.domain.answers import SUBMIT_KEY
from bot.domain.platforms import id_kind
from bot.domain.requester import Requester
from bot.domain.teams import StoredReference
from comms.teams_link import channel_of, reference_of, serialize_reference, tenant_of
from comms.tiers import QUESTION_ACTION

_MENTION_TEXT = re.compile(r"</?at>", re.IGNORECASE)
MAX_NAME = 200  # what the stakeholder map keeps of a name


def requester_of(desk: TeamsDesk, activity: Activity) -> Requester:
    sender = activity.from_property
    user_id = str(sender.id) if sender and sender.id else ""
    aad = str(getattr(sender, "aad_object_id", "") or "")
    return desk.requester(user_id, aad, tenant_of(activity))


def card_submit(activity: Activity) -> CardSubmit | None:
    """What a card's Action.Submit sent (its data and the form's inputs), or None for a typed message."""
    values = activity.value
    if not isinstance(values, dict):
        return None
    return _submit_of(str(values.get(SUBMIT_KEY) or ""), values)


def _submit_of(action: str, data: dict[str, object], automatic: bool = False) -> CardSubmit:
    fields = {name: value.strip() for name, value in data.items() if isinstance(value, str)}
    return CardSubmit(action=action, value=str(data.get("value") or ""), fields=fields, automatic=automatic)


def card_execute(activity: Activity) -> CardSubmit | str:
    """What an Action.Execute sent (an adaptiveCard/action invoke: its verb, its data with the card's inputs, and
    whether Teams refreshed the card by itself), or why the invoke cannot be read."""
    value = activity.value
    if not isinstance(value, dict):
        return "the invoke has no value object"
    action = value.get("action")
    if not isinstance(action, dict):
        return "the invoke's value has no action object"
    if action.get("type") != "Action.Execute":
        return "only Action.Execute is answered through adaptiveCard/action"
    verb = action.get("verb")
    if not isinstance(verb, str) or not verb.strip():
        return "the action has no verb"
    data = action.get("data", {})
    if not isinstance(data, dict):
        return "the action's data is not an object"
    return _submit_of(verb.strip(), data, automatic=value.get("trigger") == "automatic")


def typed_line(activity: Activity) -> tuple[str, Place]:
    """The line typed to the bot, without the bot's own @mention (in a channel the text starts with
    "<at>feedbot</at>"), and what Teams says about it: the conversation and whom it @mentions.

    Mentions are read from the activity's mention entities, which Teams writes; a person typing "<at>Ada</at>"
    gets no entity, so nothing typed passes for a mention. The bot's own mention is nobody the line names."""
    text = activity.text if isinstance(activity.text, str) else ""
    bot = activity.recipient.id if activity.recipient is not None else None
    mentions: list[Mention] = []
    for stretch, target_id, name in _mention_entities(activity):
        if target_id == bot:
            text = text.replace(stretch, "")
        elif id_kind(target_id) is not None and stretch in text:
            mentions.append(Mention(stretch, target_id, name))
    conversation = channel_id(activity)
    here = conversation_name(activity) if conversation else None
    return text.strip(), Place(conversation, here, tuple(mentions))


def _mention_entities(activity: Activity) -> list[tuple[str, str, str]]:
    """(the stretch of text, the id, the name) of each well-formed mention entity; a malformed one names nobody."""
    found = []
    for entity in activity.entities or []:
        if str(getattr(entity, "type", "") or "").lower() != "mention":
            continue
        properties = getattr(entity, "additional_properties", None) or {}
        mentioned, stretch = properties.get("mentioned"), properties.get("text")
        if not isinstance(mentioned, dict) or not isinstance(stretch, str) or not stretch.strip():
            continue
        target_id, name = mentioned.get("id"), mentioned.get("name")
        if not isinstance(target_id, str) or not target_id:
            continue
        shown = name if isinstance(name, str) and name.strip() else _MENTION_TEXT.sub("", stretch)
        found.append((stretch, target_id, " ".join(shown.split())[:MAX_NAME] or target_id))
    return found


def conversation_name(activity: Activity) -> str | None:
    """What Teams calls the channel (its team's name for the General channel, which Teams leaves unnamed) or the
    group chat."""
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    for key in ("channel", "team"):
        part = data.get(key)
        name = part.get("name") if isinstance(part, dict) else None
        if isinstance(name, str) and name.strip():
            return " ".join(name.split())[:MAX_NAME]
    topic = activity.conversation.name if activity.conversation is not None else None
    return " ".join(topic.split())[:MAX_NAME] if isinstance(topic, str) and topic.strip() else None


def source_key(activity: Activity) -> str:
    """What makes a redelivered activity or a second click on the same card one submission: the card's own
    message id for card submits, the activity id for typed messages. A question asked from a release card is keyed
    by its activity too: one card (a channel's, seen by many) takes many questions."""
    values = activity.value
    if isinstance(values, dict) and activity.reply_to_id and values.get(SUBMIT_KEY) != QUESTION_ACTION:
        return f"teams-card:{activity.reply_to_id}"
    return f"teams:{activity.id}"


def execute_key(activity: Activity, submit: CardSubmit) -> str:
    """An Action.Execute retried by Teams, or pressed twice on the same card, is one submission."""
    return f"teams-card:{activity.reply_to_id or activity.id}:{submit.action}"


def channel_id(activity: Activity) -> str | None:
    """The channel or group chat the activity came from; None in a one-to-one chat."""
    conversation = activity.conversation
    if conversation is None or conversation.conversation_type in (None, "personal"):
        return None
    return channel_of(str(conversation.id))


def _zone(name: object) -> str | None:
    """The client's IANA zone (Teams sends e.g. "Europe/Berlin"), if it is one this machine knows."""
    if not isinstance(name, str) or not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def stored_reference(activity: Activity) -> StoredReference | None:
    """How to reach the person (in a one-to-one chat) or the channel later; None when the activity does not say."""
    conversation = activity.conversation
    if conversation is None or not conversation.id or not activity.service_url:
        return None
    reference = reference_of(activity)
    conversation_id = channel_of(str(conversation.id))
    if conversation.conversation_type in (None, "personal"):
        sender = activity.from_property
        if sender is None or not sender.id:
            return None
        target, kind = str(sender.id), "user"
    else:
        target, kind = conversation_id, "channel"
    if reference.conversation is not None:
        reference.conversation.id = conversation_id
    # A continuation activity built from this reference must not look like a reply to the message we got.
    reference.activity_id = None
    # Keep no names: a personal chat needs only the person's id, a channel not even that (whoever spoke there
    # last is nobody we need to remember).
    reference.user = ChannelAccount(id=target) if kind == "user" else None
    zone = _zone(activity.local_timezone) if kind == "user" else None
    service_url = str(activity.service_url)
    reference_json = serialize_reference(reference)
    return StoredReference(target, kind, tenant_of(activity), conversation_id, service_url, reference_json, zone)
