"""Replaying scenarios against the real bot in the sandbox, including the shipped example."""

from __future__ import annotations

import io
from pathlib import Path

from tests.sandbox.waiting import eventually
from warroom_sandbox.dev import DevSandbox
from warroom_sandbox.scenario.model import load_scenario, parse_scenario
from warroom_sandbox.scenario.runner import ScenarioRun

EXAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "checkout-outage.yaml"


def replay(dev: DevSandbox, text: str) -> tuple[ScenarioRun, str]:
    out = io.StringIO()
    scenario = parse_scenario(text, "test.yaml").model_copy(update={"pace": 0.0})
    run = ScenarioRun(scenario, dev, out=out)
    run.run()
    return run, out.getvalue()


def test_the_shipped_example_runs_to_the_end(dev: DevSandbox) -> None:
    scenario = load_scenario(EXAMPLE).model_copy(update={"pace": 0.0})
    out = io.StringIO()
    run = ScenarioRun(scenario, dev, out=out)
    assert run.run(), out.getvalue()
    assert run.state == "done"
    channel = next(
        c
        for c in dev.emulator.state.conversations()
        if c.name.endswith("checkout-500s-after-deploy")
    )
    # The card follows the last change within about a second (refreshes are coalesced).
    eventually(
        lambda: "Resolved" in dev.emulator.state.pins(channel.id)[0].all_text or None,
        "the pinned card showing the incident resolved",
    )
    assert "done" in str(run.banner().html)
    assert f"[1/{len(scenario.steps)}] olivia in #general: say" in out.getvalue()


def test_a_failing_step_stops_the_run_and_says_where(dev: DevSandbox) -> None:
    run, out = replay(
        dev,
        "- as: bob\n  in: general\n  say: hello\n- click: A button nobody has\n  timeout: 0.5\n",
    )
    assert run.state == "failed"
    assert "test.yaml:4:" in run.error
    assert "no a button 'A button nobody has' in #general after 0.5 s" in run.error
    assert "failed at step 2" in out
    assert "failed at step 2" in str(run.banner().html)


def test_a_rehearsal_with_the_bot_down(dev: DevSandbox) -> None:
    run, out = replay(
        dev,
        "\n".join(
            [
                "- as: maya",
                "  in: general",
                "  bot: stop",
                "- command: /incident help",
                "  expect_failure: true",
                "- bot: start",
                "- command: /incident help",
                "- wait_for: /incident declare",
            ]
        ),
    )
    assert run.state == "done", out


def test_unknown_people_and_channels(dev: DevSandbox) -> None:
    run, _ = replay(dev, "- as: zed\n  say: hi\n")
    assert "nobody is called 'zed'" in run.error
    run, _ = replay(dev, "- in: $never\n  say: hi\n")
    assert "nothing was saved as 'never'" in run.error


def test_injected_slack_failures(dev: DevSandbox) -> None:
    run, out = replay(
        dev,
        "\n".join(
            [
                "- as: olivia",
                "  in: general",
                "  fail: {method: conversations.create, error: restricted_action, times: 20}",
                "- command: /incident declare Nothing will open sev4",
                "- pause: 0.1",
            ]
        ),
    )
    assert run.state == "done", out
    dev.emulator.faults.clear()


def test_acting_in_the_apps_dm(dev: DevSandbox) -> None:
    run, out = replay(
        dev, "- as: bob\n  in: dm\n  command: /incident help\n- wait_for: /incident declare\n"
    )
    assert run.state == "done", out


def test_the_shipped_cover_request_runs_to_the_end(dev: DevSandbox) -> None:
    scenario = load_scenario(EXAMPLE.with_name("cover-request.yaml"))
    out = io.StringIO()
    run = ScenarioRun(scenario.model_copy(update={"pace": 0.0}), dev, out=out)
    assert run.run(), out.getvalue()
    payments = dev.emulator.state.find_channel("payments")
    assert payments is not None
    texts = [m.all_text for m in dev.emulator.state.messages(payments.id)]
    assert any("Taken by" in t for t in texts), texts
