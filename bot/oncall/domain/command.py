"""The ``/oncall`` grammar: text in, a command value or an ``OnCallCommandError`` with usage out.

- ``/oncall`` - every schedule; ``/oncall <schedule|service>`` - that one
- ``/oncall override @user <from> [to] <to> [schedule]`` - times as ``when`` reads them
- ``/oncall maintenance <service> <from> [to] <to> [reason]``, ``/oncall maintenance list``,
  ``/oncall maintenance cancel <number>``
- ``/oncall cover <from> [to] <to> [schedule] [reason]`` - ask the team to take part of a shift
- ``/oncall help``

A person is a Slack mention (``<@U123|name>``, what Slack sends for ``@name`` when the command
escapes mentions), a raw user id, or an email from the config. Times are only split here, by
syntax (``when.time_length``); they get their meaning later, in the person's time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.oncall.domain.when import ACCEPTED, time_length, time_lengths

USAGE_SHOW = "/oncall [schedule|service]"
USAGE_OVERRIDE = "/oncall override @user <from> <to> [schedule]"
USAGE_AT = "/oncall at <time> [schedule|service]"
USAGE_OVERRIDES = "/oncall override list [schedule] · /oncall override cancel <number>"
USAGE_MAINTENANCE = (
    "/oncall maintenance <service> <from> <to> [reason] · /oncall maintenance list · "
    "/oncall maintenance cancel <number>"
)
USAGE_COVER = "/oncall cover <from> <to> [schedule] [reason]"
EXAMPLES = (
    ("/oncall", "who is on call now and next, for every schedule"),
    ("/oncall payments-primary", "one schedule, or every schedule a service pages"),
    ("/oncall at friday 22:00", "who is on call then (or was, for a time gone by)"),
    ("/oncall me", "your next shifts, and how warroom reaches you"),
    ("/oncall override @maya now +4h", "Maya takes over for 4 hours"),
    (
        "/oncall override @maya tomorrow 09:00 tomorrow 18:00 payments-primary",
        "a planned swap on one schedule",
    ),
    ("/oncall override list", "overrides in force or to come, with their numbers"),
    ("/oncall override cancel 12", "cancel override 12: the rotation takes over again"),
    (
        "/oncall maintenance checkout now +2h db upgrade",
        "checkout's alerts page nobody and open no incident for 2 hours",
    ),
    (
        "/oncall cover tomorrow 18:00 +4h primary dentist",
        "ask your team to cover part of your shift: the first to press Take it is on call",
    ),
    ("/oncall maintenance list", "maintenance windows open or to come, with their numbers"),
    ("/oncall maintenance cancel 3", "cancel maintenance window 3: alerts page again"),
    ("/oncall help", "this help"),
)
TIME_FORMS = ACCEPTED
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_RAW_ID = re.compile(r"^[UW][A-Z0-9]{5,}$")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_NAME = re.compile(r"^[a-z0-9_-]+$", re.IGNORECASE)
_SEPARATORS = {"to", "until", "till", "-", "->", "→"}


class OnCallCommandError(ValueError):
    """Worded for the person who typed the command; ``usage`` is the form that works."""

    def __init__(self, message: str, usage: str = USAGE_SHOW) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage


@dataclass(frozen=True)
class ShowOnCall:
    """Who is on call: ``target`` names a schedule or a service; None = every schedule."""

    target: str | None


@dataclass(frozen=True)
class ShowOnCallAt:
    """Who is (was, will be) on call at ``when``, an unparsed time phrase."""

    when: str
    target: str | None


@dataclass(frozen=True)
class ShowMyShifts:
    pass


@dataclass(frozen=True)
class ListOverrides:
    schedule: str | None


@dataclass(frozen=True)
class CancelOverride:
    number: int


@dataclass(frozen=True)
class MakeMaintenance:
    """``start``/``end`` are unparsed time phrases; ``reason`` may be empty."""

    service: str
    start: str
    end: str
    reason: str


@dataclass(frozen=True)
class ListMaintenance:
    pass


@dataclass(frozen=True)
class CancelMaintenance:
    number: int


@dataclass(frozen=True)
class MakeCover:
    """A cover request: ``start``/``end`` unparsed time phrases; ``rest`` the words after them
    (an optional schedule or service name, then the reason)."""

    start: str
    end: str
    rest: tuple[str, ...]


@dataclass(frozen=True)
class OnCallHelp:
    pass


@dataclass(frozen=True)
class MakeOverride:
    """``user`` is a Slack user id or an email; ``start``/``end`` are unparsed time phrases."""

    user: str
    start: str
    end: str
    schedule: str | None


OnCallCommand = (
    ShowOnCall
    | ShowOnCallAt
    | ShowMyShifts
    | OnCallHelp
    | MakeOverride
    | ListOverrides
    | CancelOverride
    | MakeMaintenance
    | ListMaintenance
    | CancelMaintenance
    | MakeCover
)


def parse_oncall(text: str) -> OnCallCommand:
    words = text.split()
    if not words:
        return ShowOnCall(None)
    verb = words[0].lower()
    if verb in {"help", "-h", "--help", "?"}:
        return OnCallHelp()
    if verb == "override":
        return _overrides(words[1:])
    if verb == "at":
        return _at(words[1:])
    if verb == "maintenance":
        return _maintenance(words[1:])
    if verb == "cover":
        return _cover(words[1:])
    if verb == "me" and len(words) == 1:
        return ShowMyShifts()
    if len(words) > 1 or not _NAME.match(words[0]):
        raise OnCallCommandError(f"{text.strip()!r} is not a schedule or service name", USAGE_SHOW)
    return ShowOnCall(words[0])


def _at(words: list[str]) -> ShowOnCallAt:
    length = time_length(words)
    if length == 0:
        found = f"{words[0]!r}" if words else "nothing"
        raise OnCallCommandError(f"at what time? found {found}; times are {TIME_FORMS}", USAGE_AT)
    rest = words[length:]
    if len(rest) > 1 or (rest and not _NAME.match(rest[0])):
        raise OnCallCommandError(
            f"did not understand {' '.join(rest)!r} after the time: only a schedule or service "
            "name may follow",
            USAGE_AT,
        )
    return ShowOnCallAt(" ".join(words[:length]), rest[0] if rest else None)


def _overrides(words: list[str]) -> MakeOverride | ListOverrides | CancelOverride:
    action = words[0].lower() if words else ""
    if action == "list":
        if len(words) > 2 or (len(words) == 2 and not _NAME.match(words[1])):
            raise OnCallCommandError("list takes at most a schedule name", USAGE_OVERRIDES)
        return ListOverrides(words[1] if len(words) == 2 else None)
    if action == "cancel":
        number = words[1].lstrip("#") if len(words) == 2 else ""
        if not number.isdigit():
            raise OnCallCommandError(
                "cancel which override? give its number, as `/oncall override list` shows it",
                USAGE_OVERRIDES,
            )
        return CancelOverride(int(number))
    return _override(words)


def _maintenance(words: list[str]) -> MakeMaintenance | ListMaintenance | CancelMaintenance:
    action = words[0].lower() if words else ""
    if action == "list":
        if len(words) > 1:
            raise OnCallCommandError("list takes nothing after it", USAGE_MAINTENANCE)
        return ListMaintenance()
    if action == "cancel":
        number = words[1].lstrip("#") if len(words) == 2 else ""
        if not number.isdigit():
            raise OnCallCommandError(
                "cancel which window? give its number, as `/oncall maintenance list` shows it",
                USAGE_MAINTENANCE,
            )
        return CancelMaintenance(int(number))
    if not words:
        raise OnCallCommandError("say which service, from when and until when", USAGE_MAINTENANCE)
    if not _NAME.match(words[0]):
        raise OnCallCommandError(f"{words[0]!r} is not a service name", USAGE_MAINTENANCE)
    start, end, rest = _span(words[1:], USAGE_MAINTENANCE)
    return MakeMaintenance(words[0], start, end, " ".join(rest))


def _cover(words: list[str]) -> MakeCover:
    """``<from> [to] <to> [schedule] [reason]``: which word names a schedule is known only to the
    config, so everything after the times is kept for the service to split."""
    if not words:
        raise OnCallCommandError("say from when and until when you need cover", USAGE_COVER)
    start, end, rest = _span(words, USAGE_COVER)
    return MakeCover(start, end, tuple(rest))


def _span(words: list[str], usage: str) -> tuple[str, str, list[str]]:
    """The leading ``<from> [to] <to>`` times and the words after them; times are read longest
    first, a shorter start tried when the longer leaves no end (as for overrides)."""
    lengths = time_lengths(words)
    if not lengths:
        found = f"{words[0]!r}" if words else "nothing"
        raise OnCallCommandError(f"from when? found {found}; times are {TIME_FORMS}", usage)
    first_error: OnCallCommandError | None = None
    for length in lengths:
        after = words[length:]
        if after and after[0].lower() in _SEPARATORS:
            after = after[1:]
        end = time_length(after)
        if end == 0:
            found = f"{after[0]!r}" if after else "nothing"
            first_error = first_error or OnCallCommandError(
                f"until when? found {found}; times are {TIME_FORMS}", usage
            )
            continue
        return " ".join(words[:length]), " ".join(after[:end]), after[end:]
    assert first_error is not None
    raise first_error


def _override(words: list[str]) -> MakeOverride:
    """Times are read longest first; where a start has two readings (``2026-11-24 18:00``) the
    shorter is tried when the longer leaves no valid end."""
    if not words:
        raise OnCallCommandError("say who takes over, from when and until when", USAGE_OVERRIDE)
    user = _person(words[0])
    rest = words[1:]
    lengths = time_lengths(rest)
    if not lengths:
        found = f"{rest[0]!r}" if rest else "nothing"
        raise OnCallCommandError(
            f"from when? found {found}; times are {TIME_FORMS}", USAGE_OVERRIDE
        )
    first_error: OnCallCommandError | None = None
    for length in lengths:
        try:
            end, schedule = _end_and_schedule(rest[length:])
        except OnCallCommandError as error:
            first_error = first_error or error
            continue
        return MakeOverride(user, " ".join(rest[:length]), end, schedule)
    assert first_error is not None
    raise first_error


def _end_and_schedule(words: list[str]) -> tuple[str, str | None]:
    if words and words[0].lower() in _SEPARATORS:
        words = words[1:]
    length = time_length(words)
    if length == 0:
        found = f"{words[0]!r}" if words else "nothing"
        raise OnCallCommandError(
            f"until when? found {found}; times are {TIME_FORMS}", USAGE_OVERRIDE
        )
    rest = words[length:]
    if len(rest) > 1 or (rest and not _NAME.match(rest[0])):
        raise OnCallCommandError(
            f"did not understand {' '.join(rest)!r} after the times: "
            "only a schedule name may follow",
            USAGE_OVERRIDE,
        )
    return " ".join(words[:length]), rest[0] if rest else None


def _person(word: str) -> str:
    mention = _MENTION.match(word)
    if mention:
        return mention.group(1)
    if _RAW_ID.match(word) or _EMAIL.match(word):
        return word
    raise OnCallCommandError(
        f"{word!r} is not a person: pick them from Slack's @-autocomplete "
        "(or give their Slack id or the email in the config)",
        USAGE_OVERRIDE,
    )
