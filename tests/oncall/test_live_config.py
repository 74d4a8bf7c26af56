"""A config change is picked up; a broken one is refused and the last good config keeps serving."""

import os
import shutil
from pathlib import Path

import pytest

from bot.config import load_config
from bot.config.live import LiveConfig

SHIPPED = Path(__file__).parents[2] / "config"


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name in ("users.yaml", "schedules.yaml", "escalation_policies.yaml", "services.yaml"):
        shutil.copy(SHIPPED / name, tmp_path / name)
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text().replace(old, new))
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))  # a visible change even on coarse clocks


def test_a_valid_change_takes_over_after_the_check_interval(folder: Path) -> None:
    ticks, reloaded = Ticks(), []
    live = LiveConfig(folder, load_config(folder), 10.0, ticks, reloaded.append)
    edit(folder / "services.yaml", "name: refunds-worker", "name: refunds")
    ticks.now = 5.0
    assert live().service("refunds-worker") is not None  # not looked at yet
    ticks.now = 11.0
    assert live().service("refunds") is not None
    assert live().service("refunds-worker") is None
    assert len(reloaded) == 1


def test_a_broken_change_keeps_the_last_good_config(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ticks, reloaded = Ticks(), []
    live = LiveConfig(folder, load_config(folder), 10.0, ticks, reloaded.append)
    edit(folder / "schedules.yaml", "time_zone: Europe/Berlin", "time_zone: Europe/Berln")
    ticks.now = 11.0
    assert live().schedule("payments-primary") is not None
    assert reloaded == []
    assert any("Europe/Berln" in str(e) for e in live.last_errors)
    assert "still serving the last good one" in caplog.text
    assert "schedules.yaml" in caplog.text
