"""``announcements.yaml`` in the config folder: where incidents are announced, checked like the
config.

::

    announcements:
      channels: ["#incidents"]   # every incident gets one post here, kept current
      reannounce_at: sev1        # a severity change up to sev1 posts a new announcement
      services:
        - service: checkout-api
          channels: ["#payments-incidents"]   # announced here too
          stakeholders: [U0MGR, maya@example.com, "@payments-leads"]  # follow its incidents...
          stakeholders_at: sev2                    # ...from this severity on (default sev1)

Without the file nothing is announced. Every error is reported with file, line, field and a hint
(``SourceErrors``); ``LiveAnnouncing`` keeps it in force through ``Reloading``: a broken start
refuses to start, a broken change later is logged and the last good value keeps serving.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.announcements.domain import NOBODY, Announcing, ServiceComms
from bot.config.hints import join
from bot.config.model import Config
from bot.config.report import Item, Report
from bot.config.services import CHANNEL
from bot.config.startup import InvalidConfig
from bot.incidents.domain.severity import Severity
from bot.kernel.reloading import Reloading, files_stamp
from bot.kernel.suggest import did_you_mean
from bot.kernel.yamlsource import (
    SourceError,
    SourceErrors,
    Strict,
    read_optional,
)

ANNOUNCEMENTS_FILE = "announcements.yaml"
SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
USER_GROUP = re.compile(r"^@[a-z0-9._-]{1,21}$")
_CHANNEL_HINT = (
    "write '#channel-name' (in quotes: a bare # starts a YAML comment) or an id like C0123ABCD"
)


class _ServiceModel(Strict):
    service: str
    channels: list[str] = []
    stakeholders: list[str] = []
    stakeholders_at: str = "sev1"


class _AnnouncementsModel(Strict):
    channels: list[str] = []
    reannounce_at: str | None = None
    services: list[_ServiceModel] = []


class _FileModel(Strict):
    announcements: _AnnouncementsModel = _AnnouncementsModel()


def load_announcing(folder: Path, config: Config | None) -> Announcing:
    """The announcements in ``folder``; ``SourceErrors`` with every error when invalid."""
    announcing, errors = _load(folder / ANNOUNCEMENTS_FILE, config)
    if errors:
        raise SourceErrors(errors)
    return announcing


def check_announcing(folder: Path, config: Config | None) -> list[SourceError]:
    """Every error in ``folder``'s announcements file; ``config=None`` skips the cross-checks."""
    return _load(folder / ANNOUNCEMENTS_FILE, config)[1]


def _load(path: Path, config: Config | None) -> tuple[Announcing, list[SourceError]]:
    try:
        loaded = read_optional(path, _FileModel)
    except SourceErrors as errors:
        return NOBODY, errors.errors
    if loaded is None:
        return NOBODY, []
    raw, model = loaded
    file = str(path)
    report = Report()
    top = Item(file, raw, ("announcements",), model.announcements)
    channels = _channels(top, model.announcements.channels, report)
    reannounce_at = None
    if model.announcements.reannounce_at is not None:
        reannounce_at = _severity(
            top, ("reannounce_at",), model.announcements.reannounce_at, report
        )
    services: dict[str, ServiceComms] = {}
    for index, entry in enumerate(model.announcements.services):
        item = Item(file, raw, ("announcements", "services", index), entry)
        services[entry.service] = _service(item, config, report)
    announcing = Announcing(channels, reannounce_at, MappingProxyType(services))
    return announcing, sorted(report.errors, key=lambda error: error.line or 0)


def _service(item: Item[_ServiceModel], config: Config | None, report: Report) -> ServiceComms:
    entry = item.model
    if config is not None and config.service(entry.service) is None:
        names = [s.name for s in config.services]
        report.add(
            item,
            ("service",),
            f"unknown service {entry.service!r}",
            join(did_you_mean(entry.service, names), "define it in services.yaml"),
        )
    threshold = _severity(item, ("stakeholders_at",), entry.stakeholders_at, report)
    people: list[str] = []
    groups: list[str] = []
    for index, ref in enumerate(entry.stakeholders):
        if ref.startswith("@"):
            if _group(item, index, ref, report):
                groups.append(ref.removeprefix("@"))
        elif (found := _person(item, index, ref, config, report)) is not None:
            people.append(found)
    channels = _channels(item, entry.channels, report)
    return ServiceComms(
        channels,
        tuple(dict.fromkeys(people)),
        threshold or Severity.SEV1,
        tuple(dict.fromkeys(groups)),
    )


def _group(item: Item[_ServiceModel], index: int, ref: str, report: Report) -> bool:
    if USER_GROUP.match(ref):
        return True
    report.add(
        item,
        ("stakeholders", index),
        f"{ref!r} is not a Slack user group handle",
        "write '@handle' (in quotes): lower-case letters, digits, '-', '_' and '.', at most 21",
    )
    return False


def _channels(item: Item[Any], channels: list[str], report: Report) -> tuple[str, ...]:
    good: list[str] = []
    for index, channel in enumerate(channels):
        if CHANNEL.match(channel):
            good.append(channel)
        else:
            report.add(
                item, ("channels", index), f"{channel!r} is not a Slack channel", _CHANNEL_HINT
            )
    return tuple(dict.fromkeys(good))


def _severity(
    item: Item[Any], sub: tuple[int | str, ...], text: str, report: Report
) -> Severity | None:
    try:
        return Severity.parse(text)
    except ValueError as error:
        report.add(item, sub, str(error))
        return None


def _person(
    item: Item[_ServiceModel], index: int, ref: str, config: Config | None, report: Report
) -> str | None:
    """A stakeholder's Slack id: given as one, or a users.yaml person (Slack id or email)."""
    known = config.user(ref) if config is not None else None
    if known is not None and known.slack_id:
        return known.slack_id
    if SLACK_USER.match(ref):
        return ref
    if config is None:
        return None
    why = "has no slack_id in users.yaml" if known else "is not a Slack user id or a users.yaml"
    report.add(
        item,
        ("stakeholders", index),
        f"stakeholder {ref!r} {why}" + ("" if known else " person"),
        "write a Slack user id like U0123ABCD, the email of a users.yaml person with a slack_id, "
        "or a user group as '@handle'",
    )
    return None


class LiveAnnouncing(Reloading[Announcing]):
    """The announcements in force; the known services and people follow the live config."""

    def __init__(
        self,
        folder: Path,
        config: Callable[[], Config],
        check_every: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        path = folder / ANNOUNCEMENTS_FILE
        try:
            super().__init__(
                lambda: load_announcing(folder, config()),
                lambda: (files_stamp([path]), id(config())),
                what=f"announcements in {folder}",
                check_every=check_every,
                monotonic=monotonic,
            )
        except SourceErrors as errors:
            raise InvalidConfig(folder, errors) from errors
