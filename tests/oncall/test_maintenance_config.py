"""Maintenance windows planned in services.yaml: loaded in UTC, errors at file:line:field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.config import load_config
from bot.oncall.domain.maintenance import Window, open_window
from tests.oncall.test_config_errors import SERVICES, expect, folder, one_error

PLANNED = (
    SERVICES
    + """\
    maintenance:
      - start: 2030-01-08T22:00:00+01:00
        end: 2030-01-09T02:00:00+01:00
        reason: database upgrade
"""
)


def test_planned_windows_are_loaded_as_utc_instants(tmp_path: Path) -> None:
    config = load_config(folder(tmp_path, services=PLANNED))
    start, end = datetime(2030, 1, 8, 21, tzinfo=UTC), datetime(2030, 1, 9, 1, tzinfo=UTC)
    assert config.maintenance == (Window("checkout", start, end, "database upgrade"),)
    assert open_window(config.maintenance, "checkout", start) is not None
    assert open_window(config.maintenance, "checkout", end) is None  # the end is excluded
    assert open_window(config.maintenance, "orders", start) is None


def test_a_window_without_an_offset(tmp_path: Path) -> None:
    text = PLANNED.replace("2030-01-08T22:00:00+01:00", "2030-01-08 22:00")
    path = folder(tmp_path, services=text)
    expect(
        one_error(path),
        path,
        "services.yaml",
        6,
        "services[0].maintenance[0].start",
        "start has no UTC offset",
        "ISO 8601 with an offset",
    )


def test_a_window_that_ends_before_it_starts(tmp_path: Path) -> None:
    text = PLANNED.replace("2030-01-09T02:00:00+01:00", "2030-01-08T21:00:00+01:00")
    path = folder(tmp_path, services=text)
    expect(
        one_error(path),
        path,
        "services.yaml",
        7,
        "services[0].maintenance[0].end",
        "ends before it starts",
        "end must be after start",
    )
