"""Editing playbook files changes what the bot offers, after the check interval, logged once."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.kernel.settings import Settings
from bot.playbooks import LivePlaybooks, PlaybookUnavailable, load_playbooks
from tests.playbooks.helpers import FLAG_PLAYBOOK, write

MANUAL = "steps:\n  - id: check\n    instructions: Look.\n"


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_changes_are_picked_up_after_the_check_interval(tmp_path: Path) -> None:
    ticks = Ticks()
    write(tmp_path, "flag.yaml", FLAG_PLAYBOOK)
    live = LivePlaybooks([tmp_path, None], check_every=5.0, monotonic=ticks)
    assert list(live.current().playbooks) == ["flag"]

    write(tmp_path, "sev1.yaml", MANUAL)
    write(tmp_path, "flag.yaml", FLAG_PLAYBOOK.replace("Turn off a flag", "Flag off"))
    ticks.now = 4.0
    assert list(live.current().playbooks) == ["flag"], "not before the interval"
    ticks.now = 5.0
    assert list(live.current().playbooks) == ["flag", "sev1"]
    assert live.current().get("flag").title == "Flag off"

    (tmp_path / "sev1.yaml").unlink()
    ticks.now = 10.0
    assert list(live.current().playbooks) == ["flag"]


def test_a_file_broken_by_an_edit_becomes_unavailable_and_is_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ticks = Ticks()
    write(tmp_path, "flag.yaml", FLAG_PLAYBOOK)
    write(tmp_path, "sev1.yaml", MANUAL)
    live = LivePlaybooks([tmp_path], check_every=5.0, monotonic=ticks)
    caplog.set_level(logging.WARNING, logger="bot.playbooks")

    write(tmp_path, "sev1.yaml", MANUAL.replace("instructions", "instruction"))
    ticks.now = 5.0
    with pytest.raises(PlaybookUnavailable, match=r"sev1\.yaml:3: steps"):
        live.current().get("sev1")
    assert live.current().get("flag").name == "flag"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f"playbooks: {tmp_path}/sev1.yaml:2: steps[0]: step 'check' has neither instructions "
        "nor an action (hint: add 'instructions:' (a manual step) or 'action:' (an automated "
        "one))",
        f"playbooks: {tmp_path}/sev1.yaml:3: steps[0].instruction: unknown field 'instruction' "
        "in a step (hint: did you mean 'instructions'?; fields are: id, title, instructions, "
        "links, action, params)",
    ]

    caplog.clear()
    write(tmp_path, "flag.yaml", FLAG_PLAYBOOK.replace("Turn off a flag", "Flag off"))
    ticks.now = 10.0
    assert live.current().get("flag").title == "Flag off"
    assert [r for r in caplog.records if r.levelno == logging.WARNING] == [], "logged once"

    write(tmp_path, "sev1.yaml", MANUAL)
    ticks.now = 15.0
    assert live.current().get("sev1").name == "sev1"


def test_startup_loads_the_configured_folders_and_logs_bad_files(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shipped, extra = tmp_path / "playbooks", tmp_path / "extra"
    write(shipped, "flag.yaml", FLAG_PLAYBOOK)
    write(extra, "broken.yaml", "steps: [\n")
    caplog.set_level(logging.INFO, logger="bot.playbooks")
    live = load_playbooks(Settings(playbooks_dir=shipped, extra_playbooks_dir=extra))
    assert list(live.current().playbooks) == ["flag"]
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        (
            "WARNING",
            f"playbooks: {extra}/broken.yaml:2: invalid YAML: expected the node content, but "
            "found '<stream end>' (hint: check indentation and quoting)",
        ),
        ("INFO", "playbooks: 1 loaded (flag); 1 invalid"),
    ]
