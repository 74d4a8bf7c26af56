"""``heartbeats.yaml``: monitors load with their defaults; every error names file, line, field."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.heartbeats.config import check_monitors, load_monitors
from bot.heartbeats.domain import Monitor
from bot.kernel.yamlsource import SourceErrors

SERVICES = ["checkout", "orders-db"]


def write(folder: Path, text: str) -> Path:
    (folder / "heartbeats.yaml").write_text(text)
    return folder


def test_monitors_load_with_grace_defaulting_to_zero(tmp_path: Path) -> None:
    write(
        tmp_path,
        """
heartbeats:
  - {name: backup, interval_minutes: 1440, service: orders-db, grace_minutes: 30}
  - {name: drainer, interval_minutes: 5, service: checkout}
""",
    )
    monitors = load_monitors(tmp_path, SERVICES)
    assert monitors.names == ["backup", "drainer"]
    assert monitors.get("drainer") == Monitor("drainer", timedelta(minutes=5), "checkout")
    backup = monitors.get("backup")
    assert backup is not None
    assert backup.allowed_silence == timedelta(hours=24, minutes=30)


def test_no_file_means_no_monitors(tmp_path: Path) -> None:
    assert load_monitors(tmp_path, SERVICES).names == []
    assert write(tmp_path, "").is_dir()
    assert load_monitors(tmp_path, SERVICES).names == []


def test_errors_name_file_line_field_and_hint(tmp_path: Path) -> None:
    write(
        tmp_path,
        """heartbeats:
  - {name: backup, interval_minutes: 60, service: order-db}
  - {name: backup, interval_minutes: 60, service: checkout}
  - {name: Bad Name, interval_minutes: 60, service: checkout}
""",
    )
    errors = [str(error) for error in check_monitors(tmp_path, SERVICES)]
    file = str(tmp_path / "heartbeats.yaml")
    assert errors[0].startswith(f"{file}:2: heartbeats[0].service: unknown service 'order-db'")
    assert "did you mean 'orders-db'?" in errors[0]
    assert f"{file}:3: heartbeats[1].name: duplicate heartbeat name 'backup'" in errors[1]
    assert f"{file}:4: heartbeats[2].name" in errors[2]
    assert "not a slug" in errors[2]
    with pytest.raises(SourceErrors):
        load_monitors(tmp_path, SERVICES)


def test_types_and_unknown_fields_are_refused(tmp_path: Path) -> None:
    write(
        tmp_path,
        """heartbeats:
  - name: backup
    interval_minutes: 0
    service: checkout
    grace: 5
""",
    )
    errors = [str(error) for error in check_monitors(tmp_path, SERVICES)]
    assert any(":3: heartbeats[0].interval_minutes" in error for error in errors), errors
    assert any(":5: heartbeats[0].grace" in error for error in errors), errors
