"""``insights.yaml`` in the config folder: where and when the monthly insights digest is posted,
checked like the config.

::

    digest:
      channel: "#sre"            # in quotes: a bare # starts a YAML comment
      day: 1                     # of the month, 1-31 (past a month's end: its last day)
      time: "09:00"              # wall-clock time in time_zone
      time_zone: Europe/Berlin   # default UTC

Without the file (or without ``digest:``) no digest is posted. Every error is reported with file,
line, field and a hint (``SourceErrors``); ``LiveDigest`` keeps it in force through
``Reloading``: a broken start refuses to start, a broken change later is logged and the last
good value keeps serving.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config.report import Item, Report
from bot.config.services import CHANNEL
from bot.config.startup import InvalidConfig
from bot.insights.domain.digest import DigestPlan
from bot.kernel.reloading import Reloading, files_stamp
from bot.kernel.yamlsource import (
    SourceError,
    SourceErrors,
    Strict,
    read_optional,
)

INSIGHTS_FILE = "insights.yaml"
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class _DigestModel(Strict):
    channel: str
    day: int = 1
    time: str = "09:00"
    time_zone: str = "UTC"


class _FileModel(Strict):
    digest: _DigestModel | None = None


def load_digest(folder: Path) -> DigestPlan | None:
    """The digest in ``folder``'s insights file (None: none); ``SourceErrors`` when invalid."""
    plan, errors = _load(folder / INSIGHTS_FILE)
    if errors:
        raise SourceErrors(errors)
    return plan


def check_digest(folder: Path) -> list[SourceError]:
    """Every error in ``folder``'s insights file (``warroom config check``)."""
    return _load(folder / INSIGHTS_FILE)[1]


def _load(path: Path) -> tuple[DigestPlan | None, list[SourceError]]:
    try:
        loaded = read_optional(path, _FileModel)
    except SourceErrors as errors:
        return None, errors.errors
    if loaded is None or loaded[1].digest is None:
        return None, []
    raw, entry = loaded[0], loaded[1].digest
    file = str(path)
    item = Item(file, raw, ("digest",), entry)
    report = Report()
    if not CHANNEL.match(entry.channel):
        report.add(
            item,
            ("channel",),
            f"{entry.channel!r} is not a Slack channel",
            "write '#channel-name' (in quotes: a bare # starts a YAML comment) or an id like "
            "C0123ABCD",
        )
    if not 1 <= entry.day <= 31:
        report.add(
            item,
            ("day",),
            f"day {entry.day} is not a day of the month",
            "write 1 to 31 (a day past a month's end means its last day)",
        )
    matched = _TIME.match(entry.time)
    if matched is None:
        report.add(item, ("time",), f"{entry.time!r} is not a time", "write it like '09:00'")
    try:
        ZoneInfo(entry.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        report.add(
            item,
            ("time_zone",),
            f"unknown time zone {entry.time_zone!r}",
            "use an IANA name such as Europe/Berlin or UTC",
        )
    if report.errors:
        return None, sorted(report.errors, key=lambda error: error.line or 0)
    assert matched is not None
    at = clock_time(int(matched.group(1)), int(matched.group(2)))
    return DigestPlan(entry.channel, entry.day, at, entry.time_zone), []


class LiveDigest(Reloading[DigestPlan | None]):
    """The digest plan in force."""

    def __init__(
        self,
        folder: Path,
        check_every: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        path = folder / INSIGHTS_FILE
        try:
            super().__init__(
                lambda: load_digest(folder),
                lambda: files_stamp([path]),
                what=f"insights digest in {folder}",
                check_every=check_every,
                monotonic=monotonic,
            )
        except SourceErrors as errors:
            raise InvalidConfig(folder, errors) from errors
