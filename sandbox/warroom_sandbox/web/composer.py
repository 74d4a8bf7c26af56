"""What the Slack client makes of what a person types in the message box.

- A line starting with ``/`` is a slash command: the first word is the command, the rest its
  ``text``. Slack refuses a command no installed app declared ("is not a valid command").
- Slack escapes ``&``, ``<`` and ``>`` in what it sends (``&amp;``, ``&lt;``, ``&gt;``).
- Mentions become tokens: in messages always, in slash commands when the command is declared with
  ``should_escape: true`` (warroom's are): ``@olivia`` -> ``<@U0ONCALL|olivia>``, ``#general`` ->
  ``<#C0GENERAL|general>``, ``@here`` -> ``<!here>``. A name nobody has stays as typed, as Slack
  leaves text it cannot resolve.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from warroom_sandbox.model import Channel, User

_MENTION = re.compile(r"(?<![\w@<|])@([A-Za-z0-9][\w.-]*)")
_CHANNEL = re.compile(r"(?<![\w#<&|/])#([a-z0-9][a-z0-9_-]*)")
_BROADCASTS = {"here", "channel", "everyone"}


@dataclass(frozen=True)
class Typed:
    """A parsed composer line: ``command`` is None for a plain message."""

    command: str | None
    text: str


def parse_line(line: str) -> Typed:
    stripped = line.strip()
    if stripped.startswith("/") and len(stripped) > 1 and not stripped.startswith("//"):
        command, _, rest = stripped.partition(" ")
        return Typed(command=command.lower(), text=rest.strip())
    return Typed(command=None, text=line.strip("\n"))


def slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def encode(
    text: str,
    users: Iterable[User],
    channels: Iterable[Channel],
    *,
    resolve_mentions: bool = True,
) -> str:
    """``text`` as the Slack client sends it (see the module docstring)."""
    escaped = slack_escape(text)
    if not resolve_mentions:
        return escaped
    by_handle: dict[str, User] = {}
    for user in users:
        if user.deleted:
            continue
        by_handle.setdefault(user.name.lower(), user)
        by_handle.setdefault(user.real_name.split(" ")[0].lower(), user)
    by_name = {c.name: c for c in channels if c.kind == "channel"}

    def mention(match: re.Match[str]) -> str:
        word = match.group(1)
        trail = ""
        while word and word[-1] in ".-":
            word, trail = word[:-1], word[-1] + trail
        if word.lower() in _BROADCASTS:
            return f"<!{word.lower()}>{trail}"
        user = by_handle.get(word.lower())
        return f"<@{user.id}|{user.name}>{trail}" if user else match.group(0)

    def channel(match: re.Match[str]) -> str:
        found = by_name.get(match.group(1))
        return f"<#{found.id}|{found.name}>" if found else match.group(0)

    return _CHANNEL.sub(channel, _MENTION.sub(mention, escaped))
