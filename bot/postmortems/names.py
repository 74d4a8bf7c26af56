"""Display names for post-mortems: the people in ``users.yaml`` by Slack id and by email, and
anyone else by their name in Slack (a post-mortem is Markdown: a mention would read as a raw id)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from bot.config.model import Config


def display_names(config: Config) -> dict[str, str]:
    names: dict[str, str] = {}
    for user in config.users:
        if user.email:
            names[user.email.lower()] = user.name
        if user.slack_id:
            names[user.slack_id] = user.name
    return names


class WithSlackNames(Mapping[str, str]):
    """``names``, and for a Slack id it lacks, ``slack_name(id)`` (looked up when asked for).
    Iterating lists ``names`` only: the blameless check looks for the configured people."""

    def __init__(self, names: Mapping[str, str], slack_name: Callable[[str], str | None]) -> None:
        self._names = names
        self._slack_name = slack_name

    def __getitem__(self, ref: str) -> str:
        found = self._names.get(ref)
        if found is None:
            found = self._slack_name(ref)
        if found is None:
            raise KeyError(ref)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)
