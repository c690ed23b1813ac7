"""The chat commands, once: their names, arguments and help, on which surfaces they exist, and what a typed command
line does.

Every description reads this table: manifest.yml (tests/test_manifest.py checks it against the table and the Bolt
listeners), the Teams app manifest (tests/bot/test_teams_package.py), the shell's /help and Teams' help. Slack
delivers its commands to Bolt listeners (handlers/slack/commands); a line typed in the shell or to the bot in Teams
goes through `run_command`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from sqlalchemy.exc import DBAPIError

from bot.desks import Desks
from bot.desks.intake import STORAGE_UNAVAILABLE
from bot.domain.answers import Answer, Form
from bot.domain.ids import parse_release_id
from bot.domain.notes import Note
from bot.domain.platforms import id_kind, is_teams_id
from bot.domain.replies import Reply, verbatim
from bot.domain.requester import Requester
from bot.services import digest_segments, release_commands
from bot.services.feedback import FeedbackDraft

Surface = Literal["slack", "teams", "shell"]
SLACK: Surface = "slack"
TEAMS: Surface = "teams"
SHELL: Surface = "shell"


@dataclass(frozen=True)
class Command:
    name: str
    arguments: str  # as Slack's usage hint shows them: "[title]", "add <tier> @person …"
    help: str  # one line: Slack's description, and the help lists' text
    surfaces: frozenset[Surface]
    admin: bool = False  # every use is for admins (the desks check; the help says so)
    aliases: tuple[str, ...] = ()
    shell_arguments: str | None = None  # where the terminal takes other arguments than the chat
    teams_arguments: str | None = None  # where Teams does (its mentions, the conversation typed in)
    # Slack sends mentions in the text as <@U1|ada> and <#C1|name>, which the command's parser needs (manifest:
    # should_escape).
    slack_escapes: bool = False
    # The shell itself answers it (who you are, waiting for the scheduler): it changes the session, not the data.
    shell_session: bool = False

    @property
    def description(self) -> str:
        return f"Admins: {self.help}" if self.admin else self.help

    def arguments_on(self, surface: Surface) -> str:
        if surface == SHELL and self.shell_arguments is not None:
            return self.shell_arguments
        if surface == TEAMS and self.teams_arguments is not None:
            return self.teams_arguments
        return self.arguments


COMMANDS: tuple[Command, ...] = (
    Command(
        "feedback",
        "[your feedback]",
        "Share product feedback (without text, you are asked for it)",
        frozenset({SLACK, TEAMS, SHELL}),
    ),
    Command(
        "bug",
        "[title]",
        "Report a bug (you are asked what happened, what you expected, how severe it is)",
        frozenset({SLACK, TEAMS, SHELL}),
    ),
    Command(
        "status",
        "",
        "Your feedback and bugs, and where each one stands",
        frozenset({TEAMS, SHELL}),
        aliases=("home",),
    ),
    Command(
        "stakeholders",
        "add <deer|monkey|elephant|lion> @person #channel … | remove @person | list",
        "who hears about releases, in which tier",
        frozenset({SLACK, TEAMS, SHELL}),
        admin=True,
        slack_escapes=True,
        shell_arguments="add <deer|monkey|elephant|lion> @name #channel … | remove @name | list",
        teams_arguments="add <deer|monkey|elephant|lion> @person here 19:channel-id … | remove @person here | list",
    ),
    Command(
        "release",
        "[new | list | cancel REL-id | reschedule REL-id WHEN | report REL-id | drafts | templates [save|use PRODUCT]]",
        "Admins and release authors: write a release note for every stakeholder tier, and manage releases",
        frozenset({SLACK, TEAMS, SHELL}),
        shell_arguments="[list | report REL-id | cancel REL-id | reschedule REL-id WHEN]",
        teams_arguments=(
            "[new | list | report REL-id | cancel REL-id | reschedule REL-id WHEN | templates [save|use PRODUCT]]"
        ),
    ),
    Command("vote", "FB-id", "+1 an open feedback item: one vote per person", frozenset({TEAMS, SHELL})),
    Command(
        "approve",
        "REL-id",
        "Approvers: let a release that waits for approval go out (its [Approve] button)",
        frozenset({SHELL}),
    ),
    Command(
        "acknowledge",
        "REL-id",
        "Acknowledge a release note you received (its [Acknowledge] button)",
        frozenset({SHELL}),
        aliases=("ack",),
    ),
    Command(
        "pulse",
        "start [#channel] [question] | results [PULSE-id] [by department|location] | close [PULSE-id]",
        "eNPS pulse: start (admins), results, close (admins)",
        frozenset({SLACK, TEAMS, SHELL}),
        teams_arguments=(
            "start [here | 19:channel-id] [question] | results [PULSE-id] [by department|location] | close [PULSE-id]"
        ),
        shell_arguments=(
            "start [question] | answer 0-10 [comment] | results [PULSE-id] [by department|location] | "
            "close [PULSE-id] | simulate N (demo)"
        ),
        slack_escapes=True,
    ),
    Command(
        "digest",
        "[by department|location | send]",
        "Lions and admins: the executive digest now, by department or location if asked; admins: send it to every lion",
        frozenset({SLACK, TEAMS, SHELL}),
    ),
    Command(
        "kpi",
        "[product] [by department|location]",
        "Product managers and lions: a product's KPIs (adoption, completion, duration, proficiency, errors)",
        frozenset({SLACK, TEAMS, SHELL}),
    ),
    Command("whoami", "", "Who you are acting as, in which workspace", frozenset({SHELL}), shell_session=True),
    Command("as", "NAME", "Act as another person of the demo company", frozenset({SHELL}), shell_session=True),
    Command(
        "wait",
        "SECONDS",
        "Let the scheduler and the outbox run for a while (for scripted sessions)",
        frozenset({SHELL}),
        shell_session=True,
    ),
    Command("help", "", "What feedbot can do, and how to use it", frozenset({TEAMS, SHELL})),
)


def commands_on(surface: Surface) -> tuple[Command, ...]:
    return tuple(command for command in COMMANDS if surface in command.surfaces)


def find_command(name: str) -> Command | None:
    """The command a typed word names (its name or an alias), on any surface."""
    return next((command for command in COMMANDS if name == command.name or name in command.aliases), None)


# -- typed command lines --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommandLine:
    name: str
    argument: str


def parse_command_line(line: str) -> CommandLine | None:
    """`/bug Login fails` → CommandLine("bug", "Login fails"); the slash is optional; None for a blank line."""
    stripped = line.strip()
    if not stripped:
        return None
    word, _, rest = stripped.partition(" ")
    return CommandLine(name=word.removeprefix("/").lower(), argument=rest.strip())


def _typed(surface: Surface, text: str) -> str:
    # The shell reads Slack's way (/feedback); in Teams people type the bare word.
    return f"/{text}" if surface == SHELL else text


def help_reply(surface: Surface, *about: str) -> Reply:
    """What can be typed on this surface; `about` adds lines about this conversation (the ids an admin needs)."""
    lines = []
    for command in commands_on(surface):
        usage = " ".join(part for part in (command.name, command.arguments_on(surface)) if part)
        if surface == TEAMS:
            lines.append(f"• `{usage}`: {command.description}")
        else:
            lines.append(f"  {_typed(surface, usage)}  {command.description}")
    if surface == TEAMS:
        return Reply.info("Here is what you can type to me (in a channel, @mention me first):", *lines, *about)
    return Reply.info("Commands:", *lines, *about)


def unknown_command_reply(name: str, surface: Surface) -> Reply:
    command = find_command(name)
    elsewhere = f" here: it is a {' and '.join(sorted(command.surfaces))} command" if command else ""
    return Reply.invalid(
        f"There is no command {verbatim(_typed(surface, name))}{elsewhere}. "
        f"Type {_typed(surface, 'help')} for the list."
    )


@dataclass(frozen=True)
class Mention:
    """A stretch of a typed line that @mentions a person or channel, as the platform vouches for it (Teams: a
    mention entity), never as read from the text."""

    text: str  # the stretch as it stands in the line ("<at>Ada Lovelace</at>")
    target_id: str  # the person's or channel's id (29:…, 19:…)
    name: str  # the name the platform shows for them


@dataclass(frozen=True)
class Place:
    """What the platform says about a typed line besides its text: the conversation it was typed in and whom it
    @mentions. Empty in a one-to-one chat and in the shell."""

    conversation_id: str | None = None  # the channel or group chat; None in a one-to-one chat
    conversation_name: str | None = None
    mentions: tuple[Mention, ...] = ()

    def names(self) -> Mapping[str, str]:
        """id → name of every person and channel the line names that the platform named: its mentions, and the
        conversation it was typed in."""
        known = {mention.target_id: mention.name for mention in self.mentions}
        if self.conversation_id and self.conversation_name:
            known.setdefault(self.conversation_id, self.conversation_name)
        return known

    def with_ids(self, argument: str) -> str:
        """The argument with each mention written as the id it names, the form the command parsers read. Only the
        platform's own mention stretches are rewritten, so typed text cannot pass for a mention."""
        for mention in self.mentions:
            argument = argument.replace(mention.text, f" {mention.target_id} ", 1)
        return argument


HERE = "here"


# -- what a typed command does --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    desks: Desks
    requester: Requester
    argument: str
    surface: Surface
    source_key: str  # what makes a redelivered line one submission
    about: tuple[str, ...]  # help's lines about this conversation
    place: Place = field(default_factory=Place)


async def _feedback(call: Call) -> Answer:
    if not call.argument:
        return Answer(form=Form("feedback"))
    draft = FeedbackDraft(text=call.argument)
    outcome = await call.desks.intake.feedback(call.requester, draft, call.source_key)
    item_id = outcome.item_id
    # Others' open items that say the same, to +1 instead, as Slack offers them: only in Teams' one-to-one chat,
    # where no colleague reads along (Slack shows them ephemerally; a channel has nothing like it in Teams).
    if call.surface != TEAMS or call.place.conversation_id is not None or not outcome.created or not item_id:
        return Answer(reply=outcome.reply)

    async def suggestions() -> Note | None:
        found = await call.desks.triage_channels.suggestions(call.requester, item_id, call.argument)
        return replace(found, in_place=True) if found else None

    return Answer(reply=outcome.reply, follow_up=suggestions)


async def _bug(call: Call) -> Answer:
    # A bug needs what happened and a severity: the title opens the form rather than a half-filled report.
    return Answer(form=Form("bug", {"title": call.argument} if call.argument else {}))


async def _status(call: Call) -> Answer:
    try:
        return Answer(home=await call.desks.intake.home(call.requester))
    except DBAPIError:
        return Answer(reply=STORAGE_UNAVAILABLE)


async def _pulse(call: Call) -> Answer:
    action, _, question = call.argument.partition(" ")
    if call.surface == TEAMS and action.lower() == "start":
        return Answer(reply=await _teams_pulse(call, question))
    if call.surface == SHELL and action.lower() == "start":
        # The shell's pulse goes to the person at the keyboard, asked right there.
        return Answer(reply=await call.desks.pulses.start_local(call.requester, question.strip() or None))
    if call.surface == SHELL and action.lower() == "simulate":
        return Answer(reply=await call.desks.pulses.simulate(call.requester, question.strip()))
    return Answer(reply=await call.desks.pulses.command(call.requester, call.argument))


async def _teams_pulse(call: Call, rest: str) -> Reply:
    """A pulse asks a Teams channel's people (its team's roster) or a group chat's members: the conversation it is
    started in, a channel named by its id or @mention, or `here`."""
    words = call.place.with_ids(rest).split()
    channel, question = call.place.conversation_id, rest
    if words and (words[0].lower() == HERE or (is_teams_id(words[0]) and id_kind(words[0]) == "channel")):
        channel = call.place.conversation_id if words[0].lower() == HERE else words[0]
        question = " ".join(words[1:])
    if channel is None:
        return Reply.invalid(
            "A pulse asks the people of a team: type *pulse start* in one of its channels (@mention me there), "
            "or name the channel by its id, like *pulse start 19:…@thread.tacv2 How are we doing?*"
        )
    name = call.place.names().get(channel)
    return await call.desks.pulses.start(call.requester, channel, question.strip() or None, channel_name=name)


async def _stakeholders(call: Call) -> Answer:
    argument = call.argument
    if call.surface == TEAMS:
        words = call.place.with_ids(argument).split()
        if any(word.lower() == HERE for word in words):
            if call.place.conversation_id is None:
                return Answer(
                    reply=Reply.invalid(
                        "*here* is the channel or group chat you type in: this is our one-to-one chat. Type the "
                        "command in the channel (@mention me), or name it by its id (19:…)."
                    )
                )
            words = [call.place.conversation_id if word.lower() == HERE else word for word in words]
        argument = " ".join(words)
    desk = call.desks.releases
    return Answer(reply=await desk.stakeholder_command(call.requester, argument, call.place.names()))


async def _release(call: Call) -> Answer:
    desk = call.desks.releases
    refused = desk.may_draft(call.requester)
    if refused is not None:
        return Answer(reply=refused)
    command = release_commands.parse(call.argument)
    if isinstance(command, Reply):
        return Answer(reply=command)
    match command.action:
        case "new":
            return Answer(form=Form("release", await call.desks.release_forms.card_start(call.requester)))
        case "list":
            zone = await call.desks.release_forms.author_zone(call.requester, None)
            return Answer(reply=await desk.listing(call.requester, zone))
        case "report":
            return Answer(reply=await desk.report(call.requester, command.release_id))
        case "cancel":
            return Answer(reply=await desk.cancel(call.requester, command.release_id))
        case "reschedule":
            zone = await call.desks.release_forms.author_zone(call.requester, None)
            return Answer(reply=await desk.reschedule(call.requester, command.release_id, command.argument, zone))
    if call.surface == TEAMS:
        return await _teams_release_form(call, command)
    # Drafts and templates belong to Slack's form; the terminal asks for a note field by field.
    return Answer(reply=Reply.info("Drafts and templates are part of Slack's /release form."))


async def _teams_release_form(call: Call, command: release_commands.ReleaseCommand) -> Answer:
    """Templates as in Slack (a tenant's own); drafts are the cards themselves: a preview's Edit opens one again."""
    forms = call.desks.release_forms
    match command.action:
        case "templates":
            return Answer(reply=await forms.templates(call.requester))
        case "template_save":
            return Answer(reply=await forms.save_template(call.requester, command.argument))
        case "template_use":
            values = await forms.card_of_template(call.requester, command.argument)
            return Answer(reply=values) if isinstance(values, Reply) else Answer(form=Form("release", values))
    return Answer(
        reply=Reply.info(
            "In Teams a release note's card is its draft: scroll back to it, and its preview's Edit opens the form "
            "again as you left it. Type release to start a new one."
        )
    )


async def _acknowledge(call: Call) -> Answer:
    release_id = parse_release_id(call.argument)
    if release_id is None:
        return Answer(reply=Reply.invalid("Name the release to acknowledge, like REL-3."))
    return Answer(reply=await call.desks.releases.acknowledge(call.requester, release_id))


async def _vote(call: Call) -> Answer:
    return Answer(reply=await call.desks.triage.vote(call.requester, call.argument))


async def _approve(call: Call) -> Answer:
    release_id = parse_release_id(call.argument)
    if release_id is None:
        return Answer(reply=Reply.invalid("Name the release to approve, like REL-3."))
    return Answer(reply=await call.desks.releases.approve(call.requester, release_id))


async def _digest(call: Call) -> Answer:
    word = call.argument.strip().lower()
    if word == "send":
        return Answer(reply=await call.desks.digests.send_now(call.requester))
    try:
        by = digest_segments.parse_by(word)
    except ValueError as problem:
        return Answer(reply=Reply.invalid(str(problem)))
    shown = await call.desks.digests.preview_with_chart(call.requester, by=by)
    if isinstance(shown, Reply):
        return Answer(reply=shown)
    note, chart = shown
    return Answer(note=note, attachment=chart)


async def _kpi(call: Call) -> Answer:
    return Answer(reply=await call.desks.kpi.command(call.requester, call.argument))


async def _help(call: Call) -> Answer:
    return Answer(reply=help_reply(call.surface, *call.about))


# Every command Teams or the shell offers has its desk call here, but the shell's session commands, which the shell
# answers itself (tests/bot/test_commands.py checks).
TYPED_COMMANDS: dict[str, Callable[[Call], Awaitable[Answer]]] = {
    "feedback": _feedback,
    "bug": _bug,
    "status": _status,
    "pulse": _pulse,
    "stakeholders": _stakeholders,
    "release": _release,
    "acknowledge": _acknowledge,
    "approve": _approve,
    "vote": _vote,
    "digest": _digest,
    "kpi": _kpi,
    "help": _help,
}


async def run_command(
    desks: Desks,
    requester: Requester,
    line: CommandLine,
    surface: Surface,
    source_key: str,
    *,
    about: tuple[str, ...] = (),
    place: Place | None = None,
) -> Answer:
    """A command line typed in the shell or to the bot in Teams, mapped to its desk call."""
    command = find_command(line.name)
    if command is None or surface not in command.surfaces or command.shell_session:
        return Answer(reply=unknown_command_reply(line.name, surface))
    call = Call(desks, requester, line.argument, surface, source_key, about, place or Place())
    return await TYPED_COMMANDS[command.name](call)
