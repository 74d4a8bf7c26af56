"""The shipped heartbeat scenario runs to its end: a beat, a silence that pages, a beat again.

The bot's clock is moved on by the minute the demo monitor allows instead of waiting for it."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.sandbox.conftest import dev_options
from warroom_sandbox.dev import DevSandbox
from warroom_sandbox.scenario.model import load_scenario, parse_scenario
from warroom_sandbox.scenario.runner import ScenarioRun
from warroom_sandbox.seed import ONCALL

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "heartbeat-silence.yaml"


class MovableClock:
    """Real time, plus however far the test moved it on."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def dev(tmp_path: Path, clock: MovableClock) -> Iterator[DevSandbox]:
    with DevSandbox(dev_options(tmp_path, clock=clock)) as sandbox:
        yield sandbox


def test_the_shipped_heartbeat_scenario_runs_to_the_end(
    dev: DevSandbox, clock: MovableClock
) -> None:
    scenario = load_scenario(SCENARIO).model_copy(update={"pace": 0.0})
    silence = next(
        index for index, step in enumerate(scenario.steps) if step.wait_for and step.timeout > 60
    )
    out = io.StringIO()
    run = ScenarioRun(scenario, dev, out=out)
    run.start()
    deadline = time.monotonic() + 60
    while run.index < silence and run.state in ("waiting", "running"):
        assert time.monotonic() < deadline, out.getvalue()
        time.sleep(0.1)
    clock.ahead += timedelta(minutes=1, seconds=1)  # the demo monitor's interval, no grace
    run.join(120)
    assert run.state == "done", out.getvalue()

    ws = dev.emulator.state
    incidents = ws.find_channel("incidents")
    assert incidents is not None
    assert any(
        "Heartbeat demo-heartbeat is silent" in m.all_text for m in ws.messages(incidents.id)
    )
    channel = next(c for c in ws.conversations() if "heartbeat-demo-heartbeat" in c.name)
    texts = [m.all_text for m in ws.messages(channel.id)]
    assert any("Heartbeat demo-heartbeat beats again" in t for t in texts), texts


def test_a_beat_the_bot_refuses_fails_the_step(dev: DevSandbox) -> None:
    run = ScenarioRun(parse_scenario("- beat: demo-hearbeat\n", "test.yaml"), dev)
    run.run()
    assert run.state == "failed"
    assert "heartbeat demo-hearbeat: 404" in run.error
    assert "did you mean 'demo-heartbeat'" in run.error


def test_the_page_beats_the_monitors_of_heartbeats_yaml(dev: DevSandbox) -> None:
    def sidebar() -> str:
        answer = httpx.get(f"{dev.url}/sandbox/state", params={"as": ONCALL}, timeout=30)
        return str(answer.json()["regions"]["sidebar"])

    assert 'data-beat="watchdog"' in sidebar()
    assert "demo-heartbeat: no beat from here" in sidebar()
    beat = httpx.post(
        f"{dev.url}/sandbox/actions/beat", json={"monitor": "demo-heartbeat"}, timeout=30
    )
    assert beat.json()["ok"] is True, beat.text
    assert "demo-heartbeat: 1 beat from here" in sidebar()
    refused = httpx.post(f"{dev.url}/sandbox/actions/beat", json={"monitor": "nope"}, timeout=30)
    assert refused.json()["ok"] is False
    assert "no heartbeat monitor 'nope'" in refused.json()["message"]
