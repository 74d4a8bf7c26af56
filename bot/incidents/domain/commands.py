"""The ``/incident`` grammar: text in, a command value or a ``CommandError`` with usage out.

Slack escapes user mentions as ``<@U123|name>`` when the command is configured with
``should_escape`` (see slack-manifest.yaml); a bare ``@name`` cannot be resolved reliably, so it is
refused with a hint to pick the person from Slack's autocomplete.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.incidents.domain.lifecycle import Status
from bot.incidents.domain.severity import Severity

_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_RAW_ID = re.compile(r"^[UW][A-Z0-9]{5,}$")
_SERVICE = re.compile(r"^service:(\S+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Usage:
    name: str
    syntax: str
    example: str
    summary: str
    needs_incident: bool = True


USAGES: dict[str, Usage] = {
    u.name: u
    for u in [
        Usage(
            "declare",
            "/incident declare <title> [sev1..sev4] [service:<id>] [--private]",
            "/incident declare Checkout latency high sev2 service:checkout",
            "declare an incident: a channel, a pinned card, the clock starts",
            False,
        ),
        Usage(
            "status",
            "/incident status [number]",
            "/incident status 42",
            "severity, status, lead, roles and clocks of this incident (or incident 42)",
        ),
        Usage("sev", "/incident sev <sev1..sev4>", "/incident sev sev1", "change the severity"),
        Usage("lead", "/incident lead @user", "/incident lead @liam", "hand the lead to someone"),
        Usage(
            "role",
            "/incident role <role> @user",
            "/incident role comms @maya",
            "assign a role (comms, scribe, ops, liaison, executive, ...)",
        ),
        Usage(
            "ack",
            "/incident ack",
            "/incident ack",
            "acknowledge the pages for this incident: escalation stops",
        ),
        Usage(
            "page",
            "/incident page <service|schedule|@user> [message]",
            "/incident page payments-primary Need a DB expert",
            "page more responders by their escalation policy",
        ),
        Usage(
            "update",
            "/incident update <text> [--public <customer-facing text>]",
            "/incident update Rolled back the deploy --public Checkout is recovering",
            "post a status update (resets the update reminder); --public previews a text for "
            "the status page before publishing it",
        ),
        Usage(
            "note",
            "/incident note <text>",
            "/incident note Cache hit ratio dropped at 09:12",
            "add a note to the timeline",
        ),
        Usage(
            "action",
            "/incident action <text> [@owner]",
            "/incident action Add an alert on queue depth @olivia",
            "record a follow-up action item",
        ),
        Usage(
            "identified",
            "/incident identified [note]",
            "/incident identified Bad config push",
            "mark the cause identified",
        ),
        Usage(
            "mitigate",
            "/incident mitigate [note]",
            "/incident mitigate Traffic shifted to eu-west",
            "mark the impact mitigated",
        ),
        Usage(
            "resolve",
            "/incident resolve [note]",
            "/incident resolve Fixed by reverting #4121",
            "resolve the incident and stop its timers",
        ),
        Usage(
            "reopen",
            "/incident reopen [note]",
            "/incident reopen Errors are back",
            "reopen a resolved incident",
        ),
        Usage(
            "playbook",
            "/incident playbook [name]",
            "/incident playbook feature-flag-disable",
            "list the playbooks that apply here, or start one as a checklist",
        ),
        Usage(
            "timeline",
            "/incident timeline [number]",
            "/incident timeline 42",
            "show the timeline (of incident 42)",
        ),
        Usage(
            "postmortem",
            "/incident postmortem",
            "/incident postmortem",
            "draft (or re-draft) the post-mortem from the timeline",
        ),
        Usage(
            "followups",
            "/incident followups",
            "/incident followups",
            "list the action items with their state and tracker issues",
        ),
        Usage(
            "follow",
            "/incident follow [number]",
            "/incident follow 42",
            "get a DM for every update and change of this incident (or incident 42, from anywhere)",
            False,
        ),
        Usage(
            "unfollow",
            "/incident unfollow [number]",
            "/incident unfollow 42",
            "stop those DMs",
            False,
        ),
        Usage("help", "/incident help", "/incident help", "this help", False),
    ]
}


class CommandError(ValueError):
    """What was wrong with the command, and the usage that would have worked."""

    def __init__(self, message: str, usage: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage


@dataclass(frozen=True)
class OpenDeclareModal:
    pass


@dataclass(frozen=True)
class Declare:
    title: str
    severity: Severity
    service: str | None = None
    private: bool = False


@dataclass(frozen=True)
class ShowStatus:
    number: int | None = None  # None: the incident of this channel


@dataclass(frozen=True)
class ShowTimeline:
    number: int | None = None


@dataclass(frozen=True)
class ShowHelp:
    pass


@dataclass(frozen=True)
class ListPlaybooks:
    pass


@dataclass(frozen=True)
class StartPlaybook:
    name: str


@dataclass(frozen=True)
class DraftPostmortem:
    pass


@dataclass(frozen=True)
class ListFollowups:
    pass


@dataclass(frozen=True)
class Follow:
    """DM me every update of incident ``number`` (None: the incident of this channel)."""

    number: int | None = None


@dataclass(frozen=True)
class Unfollow:
    number: int | None = None


@dataclass(frozen=True)
class ChangeSeverity:
    severity: Severity


@dataclass(frozen=True)
class ChangeLead:
    user: str


@dataclass(frozen=True)
class AssignRole:
    role: str
    user: str


@dataclass(frozen=True)
class Acknowledge:
    pass


@dataclass(frozen=True)
class Page:
    """``target`` is ``user:<id>`` for a mention, else a service or schedule name to look up."""

    target: str
    message: str


@dataclass(frozen=True)
class PostUpdate:
    """``public``: the customer-facing text for the status page (published only after the
    person saw it previewed), about ``components`` (default: the incident's service)."""

    text: str
    public: str | None = None
    components: tuple[str, ...] = ()
    statuspage: bool = False  # also to Atlassian Statuspage


@dataclass(frozen=True)
class AddNote:
    text: str


@dataclass(frozen=True)
class AddAction:
    text: str
    owner: str | None


@dataclass(frozen=True)
class Transition:
    target: Status
    note: str


Command = (
    OpenDeclareModal
    | Declare
    | ShowStatus
    | ShowTimeline
    | ShowHelp
    | ChangeSeverity
    | ChangeLead
    | AssignRole
    | Acknowledge
    | Page
    | PostUpdate
    | AddNote
    | AddAction
    | Transition
    | ListPlaybooks
    | StartPlaybook
    | DraftPostmortem
    | ListFollowups
    | Follow
    | Unfollow
)

DEFAULT_SEVERITY = Severity.SEV3
_TRANSITIONS = {
    "identified": Status.IDENTIFIED,
    "mitigate": Status.MITIGATED,
    "resolve": Status.RESOLVED,
    "reopen": Status.INVESTIGATING,
}


def named_number(command: Command) -> int | None:
    """The incident number a command names (``/incident status 42``), None for this channel's."""
    if isinstance(command, ShowStatus | ShowTimeline | Follow | Unfollow):
        return command.number
    return None


def needs_incident(command: Command) -> bool:
    return not isinstance(command, OpenDeclareModal | Declare | ShowHelp)


def parse(text: str) -> Command:
    words = text.split()
    if not words:
        return OpenDeclareModal()
    verb, args = words[0].lower(), words[1:]
    rest = text.strip()[len(words[0]) :].strip()
    if verb not in USAGES:
        known = ", ".join(USAGES)
        raise CommandError(f"`{words[0]}` is not an /incident command (known: {known})", None)
    usage = USAGES[verb].syntax
    if verb == "declare":
        return _declare(args, usage)
    if verb in _TRANSITIONS:
        return Transition(_TRANSITIONS[verb], rest)
    simple: dict[str, Command] = {
        "ack": Acknowledge(),
        "help": ShowHelp(),
        "postmortem": DraftPostmortem(),
        "followups": ListFollowups(),
    }
    if verb in simple:
        return simple[verb]
    if verb == "playbook":
        if len(args) > 1:
            raise CommandError("give one playbook name, or none to list them", usage)
        return StartPlaybook(args[0].lower()) if args else ListPlaybooks()
    if verb in ("follow", "unfollow", "status", "timeline"):
        number = _incident_number(args, usage)
        by_verb: dict[str, Callable[[int | None], Command]] = {
            "follow": Follow,
            "unfollow": Unfollow,
            "status": ShowStatus,
            "timeline": ShowTimeline,
        }
        return by_verb[verb](number)
    if verb == "sev":
        if len(args) != 1:
            raise CommandError("give exactly one severity", usage)
        return ChangeSeverity(_severity(args[0], usage))
    if verb == "lead":
        if len(args) != 1:
            raise CommandError("name exactly one person", usage)
        return ChangeLead(_user(args[0], usage))
    if verb == "role":
        if len(args) != 2:
            raise CommandError("give a role and a person", usage)
        return AssignRole(args[0].lower(), _user(args[1], usage))
    if not rest:
        raise CommandError(f"`{verb}` needs some text", usage)
    if verb == "page":
        return _page(args, usage)
    if verb == "update":
        return _update(rest, usage)
    if verb == "note":
        return AddNote(rest)
    return _action(args, usage)


def _update(rest: str, usage: str) -> PostUpdate:
    """``<internal text> [--public <customer-facing text>]``."""
    internal, flag, public = rest.partition("--public")
    if not flag:
        return PostUpdate(rest)
    if not internal.strip():
        raise CommandError("write the internal update before `--public`", usage)
    if not public.strip():
        raise CommandError("write what customers will see after `--public`", usage)
    return PostUpdate(internal.strip(), public.strip())


def _declare(args: list[str], usage: str) -> Declare:
    severity: Severity | None = None
    service: str | None = None
    title: list[str] = []
    private = False
    for word in args:
        if word.lower() == "--private":
            private = True
        elif match := _SERVICE.match(word):
            service = match.group(1).lower()
        elif Severity.looks_like(word):
            if severity is not None:
                raise CommandError("give the severity once", usage)
            severity = _severity(word, usage)
        else:
            title.append(word)
    if not title:
        raise CommandError("a title is required", usage)
    return Declare(" ".join(title), severity or DEFAULT_SEVERITY, service, private)


def _incident_number(args: list[str], usage: str) -> int | None:
    if not args:
        return None
    text = args[0].removeprefix("#")
    if len(args) > 1 or not text.isascii() or not text.isdigit() or not 0 < int(text) < 2**31:
        raise CommandError(f"`{' '.join(args)}` is not an incident number", usage)
    return int(text)


def _page(args: list[str], usage: str) -> Page:
    first, message = args[0], " ".join(args[1:])
    if _MENTION.match(first) or _RAW_ID.match(first) or first.startswith("@"):
        return Page(f"user:{_user(first, usage)}", message)
    return Page(first.lower(), message)


def _action(args: list[str], usage: str) -> AddAction:
    owner = None
    if len(args) > 1 and (_MENTION.match(args[-1]) or args[-1].startswith("@")):
        owner = _user(args[-1], usage)
        args = args[:-1]
    return AddAction(" ".join(args), owner)


def _severity(word: str, usage: str) -> Severity:
    try:
        return Severity.parse(word)
    except ValueError as exc:
        raise CommandError(str(exc), usage) from None


def _user(word: str, usage: str) -> str:
    if match := _MENTION.match(word):
        return match.group(1)
    if _RAW_ID.match(word):
        return word
    raise CommandError(
        f"`{word}` is not a Slack user; mention them with @ and pick them from the list", usage
    )
