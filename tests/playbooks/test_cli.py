"""``warroom playbooks check``: every error with file, line and field, and the exit code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.playbooks.helpers import FLAG_PLAYBOOK, write

REPO = Path(__file__).resolve().parents[2]


def test_valid_folders_print_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "a", "flag.yaml", FLAG_PLAYBOOK)
    write(tmp_path / "b", "sev1.yaml", "steps:\n  - id: check\n    instructions: Look.\n")
    assert (
        main(["playbooks", "check", "--dir", str(tmp_path / "a"), "--dir", str(tmp_path / "b")])
        == 0
    )
    assert capsys.readouterr().out == "OK: 2 playbooks (flag, sev1)\n"


def test_errors_are_listed_and_the_exit_code_is_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "flag.yaml", FLAG_PLAYBOOK.replace('flag: "{{ flag }}"', 'flag: "{{ flg }}"'))
    write(tmp_path, "sev1.yaml", "steps:\n  - id: check\n    instructions: Look.\n")
    assert main(["playbooks", "check", "--dir", str(tmp_path), "--dir", str(tmp_path / "no")]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"{tmp_path}/no: playbooks folder not found (hint: check the path, or set PLAYBOOKS_DIR)",
        f"{tmp_path}/flag.yaml:20: steps[1].params.flag: unknown template variable 'flg' (hint: "
        "did you mean 'flag'?; templates can use alert, flag, incident, playbook)",
    ]
    assert err == "playbooks: 2 errors\n"


def test_overrides_are_shown_as_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "a", "flag.yaml", FLAG_PLAYBOOK)
    write(tmp_path / "b", "flag.yaml", FLAG_PLAYBOOK)
    assert (
        main(["playbooks", "check", "--dir", str(tmp_path / "a"), "--dir", str(tmp_path / "b")])
        == 0
    )
    assert capsys.readouterr().out.splitlines() == [
        f"warning: {tmp_path}/b/flag.yaml: name: replaces the playbook 'flag' of "
        f"{tmp_path}/a/flag.yaml (hint: this is expected for a local override; rename the file "
        "to keep both)",
        "OK: 1 playbooks (flag)",
    ]


def test_the_configured_folders_are_the_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "shipped", "flag.yaml", FLAG_PLAYBOOK)
    write(tmp_path / "extra", "broken.yaml", "steps: 3\n")
    monkeypatch.setenv("PLAYBOOKS_DIR", str(tmp_path / "shipped"))
    monkeypatch.setenv("EXTRA_PLAYBOOKS_DIR", str(tmp_path / "extra"))
    assert main(["playbooks", "check"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{tmp_path}/extra/broken.yaml:1: steps: expected a non-empty list of steps, found a "
        "number (3) (hint: write each step on its own line starting with '- id: ...')"
    ]


def test_the_installed_command_checks_the_shipped_playbooks() -> None:
    done = subprocess.run(
        [Path(sys.executable).parent / "warroom", "playbooks", "check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        "OK: 4 playbooks (database-failover, feature-flag-disable, scale-up, sev1-general)\n",
        "",
    )
