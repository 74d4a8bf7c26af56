"""``heartbeats.yaml`` in the config folder: the heartbeat monitors, checked like the config.

::

    heartbeats:
      - name: nightly-backup     # a slug, unique: POST /webhooks/heartbeat/nightly-backup
        interval_minutes: 1440   # expected to beat at least this often
        service: orders-db       # whose escalation policy is paged when it goes silent
        grace_minutes: 30        # optional (default 0): extra slack before it counts as silent

Without the file there are no monitors. Every error is reported with file, line, field and a
hint (``SourceErrors``), like the rest of the config folder. ``LiveMonitors`` keeps it in force
through ``Reloading``: a broken start refuses to start, a broken change later is logged and the
last good monitors keep serving.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from datetime import timedelta
from pathlib import Path

from pydantic import Field

from bot.config.hints import join
from bot.config.model import Config
from bot.config.names import unique_name
from bot.config.report import Item, Report
from bot.config.startup import InvalidConfig
from bot.heartbeats.domain import NO_MONITORS, Monitor, Monitors
from bot.kernel.reloading import Reloading, files_stamp
from bot.kernel.suggest import did_you_mean
from bot.kernel.yamlsource import (
    SourceError,
    SourceErrors,
    Strict,
    read_optional,
)

HEARTBEATS_FILE = "heartbeats.yaml"


class _MonitorModel(Strict):
    name: str
    interval_minutes: int = Field(gt=0)
    service: str
    grace_minutes: int = Field(default=0, ge=0)


class _FileModel(Strict):
    heartbeats: list[_MonitorModel] = []


def load_monitors(folder: Path, services: Collection[str]) -> Monitors:
    """The monitors in ``folder``; ``SourceErrors`` with every error when the file is invalid."""
    monitors, errors = _load(folder / HEARTBEATS_FILE, services)
    if errors:
        raise SourceErrors(errors)
    return monitors


def check_monitors(folder: Path, services: Collection[str] | None) -> list[SourceError]:
    """Every error in ``folder``'s heartbeats file; ``services=None`` skips the service check."""
    return _load(folder / HEARTBEATS_FILE, services)[1]


def _load(path: Path, services: Collection[str] | None) -> tuple[Monitors, list[SourceError]]:
    try:
        loaded = read_optional(path, _FileModel)
    except SourceErrors as errors:
        return NO_MONITORS, errors.errors
    if loaded is None:
        return NO_MONITORS, []
    raw, model = loaded
    file = str(path)
    report = Report()
    seen: dict[str, int | None] = {}
    monitors: dict[str, Monitor] = {}
    for index, entry in enumerate(model.heartbeats):
        item = Item(file, raw, ("heartbeats", index), entry)
        if not unique_name(item, "heartbeat", seen, report):
            continue
        if services is not None and entry.service not in services:
            report.add(
                item,
                ("service",),
                f"unknown service {entry.service!r}",
                join(did_you_mean(entry.service, services), "define it in services.yaml"),
            )
        monitors[entry.name] = Monitor(
            entry.name,
            timedelta(minutes=entry.interval_minutes),
            entry.service,
            timedelta(minutes=entry.grace_minutes),
        )
    return Monitors(monitors), sorted(report.errors, key=lambda error: error.line or 0)


class LiveMonitors(Reloading[Monitors]):
    """The monitors in force; the known services follow the live config."""

    def __init__(
        self,
        folder: Path,
        config: Callable[[], Config],
        check_every: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        path = folder / HEARTBEATS_FILE

        def services() -> frozenset[str]:
            return frozenset(service.name for service in config().services)

        try:
            super().__init__(
                lambda: load_monitors(folder, services()),
                lambda: (files_stamp([path]), services()),
                what=f"heartbeat monitors in {folder}",
                check_every=check_every,
                monotonic=monotonic,
            )
        except SourceErrors as errors:
            raise InvalidConfig(folder, errors) from errors
