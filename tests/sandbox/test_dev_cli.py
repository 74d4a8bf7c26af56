"""``warroom dev`` as a command: it starts, prints where, stops cleanly, and keeps its workspace."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from bot.cli import main
from tests.sandbox.conftest import dev_options
from tests.sandbox.waiting import eventually
from warroom_sandbox.dev import DevSandbox, mismatch_warning, workspace_file_for
from warroom_sandbox.seed import GENERAL, ONCALL

STARTUP_SECONDS = 60
# Ctrl-C as a terminal gives it, even when this suite runs as a background job: a
# non-interactive shell starts those with SIGINT ignored, and Python keeps an ignored SIGINT.
COMMAND = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from bot.cli import main; sys.exit(main())"
)


def test_workspace_file_sits_beside_the_sqlite_database() -> None:
    assert workspace_file_for("sqlite:///warroom-dev.db") == Path("warroom-dev.slack.json")
    assert workspace_file_for("sqlite:////tmp/x/y.db") == Path("/tmp/x/y.slack.json")
    assert workspace_file_for("postgresql+psycopg://u@h/db") == Path("warroom-dev.slack.json")


def test_a_database_without_its_workspace_is_flagged(tmp_path: Path) -> None:
    database = tmp_path / "w.db"
    url = f"sqlite:///{database}"
    assert mismatch_warning(url, tmp_path / "w.slack.json") is None
    database.write_bytes(b"")
    assert "--reset" in (mismatch_warning(url, tmp_path / "w.slack.json") or "")


def test_the_workspace_survives_a_restart(tmp_path: Path) -> None:
    options = dev_options(tmp_path)
    with DevSandbox(options) as first:
        first.actions.type_line(ONCALL, GENERAL, "/incident declare Old fire sev4")
        old = eventually(
            lambda: first.emulator.state.find_channel("inc-1-old-fire"), "the first channel"
        )
    assert options.workspace_file is not None
    assert options.workspace_file.exists()
    with DevSandbox(options) as second:
        kept = second.emulator.state.find_channel("inc-1-old-fire")
        assert kept is not None
        assert second.emulator.state.pins(kept.id)  # the card is still there
        second.actions.type_line(ONCALL, GENERAL, "/incident declare New fire sev4")
        new = eventually(
            lambda: second.emulator.state.find_channel("inc-2-new-fire"), "the second channel"
        )
    assert new.id != old.id


def test_a_bad_scenario_file_is_reported_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text("- say: hi\n- shout: hello\n", encoding="utf-8")
    code = main(
        [
            "dev",
            "--port",
            "0",
            "--database",
            f"sqlite:///{tmp_path / 'x.db'}",
            "--scenario",
            str(scenario),
        ]
    )
    assert code == 2
    assert f"{scenario}:2: steps[1].shout" in capsys.readouterr().out


def test_reset_refuses_a_database_it_does_not_own(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["dev", "--reset", "--database", "postgresql+psycopg://nobody@127.0.0.1:1/none"])
    assert code == 2
    assert "only deletes SQLite files" in capsys.readouterr().out


class Running:
    """``warroom dev`` in a child process, its output collected line by line."""

    def __init__(self, folder: Path, *args: str) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-c", COMMAND, "dev", "--port", "0", *args],
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            # PYTHONFAULTHANDLER: a SIGABRT prints every thread's stack (see ``interrupt``).
            env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"},
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def url(self) -> str:
        def printed() -> str | None:
            found = re.search(r"warroom sandbox: (http://\S+)", self.output)
            if self.process.poll() is not None:
                raise AssertionError(f"warroom dev exited early:\n{self.output}")
            return found.group(1) if found else None

        return eventually(printed, "warroom dev to print its URL", STARTUP_SECONDS)

    def interrupt(self) -> int:
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(STARTUP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGABRT)  # where it hangs, for the failure message
            self.process.wait(10)
            self._reader.join(5)
            raise AssertionError(
                f"warroom dev did not stop within {STARTUP_SECONDS} s of Ctrl-C:\n"
                + self.output[-12000:]
            ) from None

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._reader.join(10)
        assert self.process.stdout is not None
        self.process.stdout.close()


def test_warroom_dev_starts_serves_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    running = Running(tmp_path)
    try:
        page = httpx.get(running.url() + "/", timeout=30)
        assert page.status_code == 200
        assert "Example Inc" in page.text
        status = httpx.get(running.url() + "/status", timeout=30)  # linked from the sidebar
        assert status.status_code == 200
        assert "System status" in status.text
        assert running.interrupt() == 0, running.output
    finally:
        running.close()
    assert "Ctrl-C stops" in running.output
    assert running.output.rstrip().endswith("stopped.")
    assert (tmp_path / "warroom-dev.db").exists()
    assert (tmp_path / "warroom-dev.slack.json").exists()


def test_a_scenario_replays_once_the_page_is_opened(tmp_path: Path) -> None:
    scenario = tmp_path / "demo.yaml"
    scenario.write_text(
        "name: Demo\n"
        "pace: 0\n"
        "steps:\n"
        "  - as: olivia\n"
        "    in: general\n"
        "    command: /incident declare Demo outage sev4\n"
        "  - wait_for_channel: inc-*-demo-outage\n"
        "    save_as: incident\n"
        "  - in: $incident\n"
        "    wait_for: Demo outage\n",
        encoding="utf-8",
    )
    running = Running(tmp_path, "--scenario", str(scenario))
    try:
        url = running.url()
        eventually(
            lambda: 'Scenario "Demo" (3 steps) starts when the page is opened' in running.output,
            "the scenario to be announced",
        )
        httpx.get(url + "/", timeout=30)
        eventually(lambda: 'scenario "Demo" done' in running.output, "the scenario to finish")
        state = httpx.get(f"{url}/sandbox/state", params={"as": ONCALL}, timeout=30).json()
        assert 'Scenario "Demo" done' in state["regions"]["banners"]
        assert running.interrupt() == 0, running.output
    finally:
        running.close()
    assert "[1/3] olivia in general: command /incident declare Demo outage sev4" in running.output
