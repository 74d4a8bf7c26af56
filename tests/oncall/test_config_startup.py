"""The config at start (refuse invalid, tolerate missing) and `warroom config check`."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.config.startup import InvalidConfig, load_startup_config

EXAMPLE = Path(__file__).resolve().parents[2] / "config"


def broken_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(EXAMPLE, folder)
    schedules = folder / "schedules.yaml"
    text = schedules.read_text().replace("turn: weekly", "turn: 0h", 1)
    schedules.write_text(text.replace("time_zone: Europe/Berlin", "time_zone: Europe/Berln"))
    return folder


def test_the_shipped_example_loads() -> None:
    config = load_startup_config(EXAMPLE)
    assert [s.name for s in config.schedules] == ["payments-primary", "payments-secondary"]


def test_a_missing_folder_is_an_empty_config_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.config.startup"):
        config = load_startup_config(tmp_path / "nowhere")
    assert config.schedules == ()
    assert config.users == ()
    assert "not found: starting with no users, schedules or services" in caplog.text


def test_an_invalid_config_refuses_to_start_listing_every_error(tmp_path: Path) -> None:
    folder = broken_copy(tmp_path)
    with pytest.raises(InvalidConfig) as error:
        load_startup_config(folder)
    message = str(error.value)
    assert "has 2 errors" in message
    assert "schedules.yaml:8: schedules[0].time_zone: unknown time zone 'Europe/Berln'" in message
    assert "did you mean 'Europe/Berlin'?" in message
    assert "schedules[0].layers[0].turn: turn length must be positive, got '0h'" in message
    assert f"warroom config check --dir {folder}" in message


def test_config_check_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", "--dir", str(EXAMPLE)]) == 0
    assert capsys.readouterr().out == (
        "config OK: 5 users, 2 schedules, 2 escalation policies, 3 services\n"
    )


def test_config_check_prints_every_error_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = broken_copy(tmp_path)
    assert main(["config", "check", "--dir", str(folder)]) == 1
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{folder}/schedules.yaml:8: schedules[0].time_zone:")
    assert "(hint: write hourly, daily, weekly" in lines[1]
    assert "2 errors" in out.err


def test_config_check_of_a_missing_folder_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "check", "--dir", str(tmp_path / "nowhere")]) == 1
    assert "config folder not found" in capsys.readouterr().out


EXAMPLE_CREDENTIALS = (
    "PAGERDUTY_ROUTING_KEY_PAYMENTS",
    "OPSGENIE_API_KEY",
    "WARROOM_WEBHOOK_SECRET",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_FROM_NUMBER",
)


def test_config_check_warns_of_each_credential_the_environment_lacks(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for setting in EXAMPLE_CREDENTIALS:
        monkeypatch.delenv(setting, raising=False)
    monkeypatch.setenv("OPSGENIE_API_KEY", "og-key")
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC123")
    assert main(["config", "check", "--dir", str(EXAMPLE)]) == 0  # a warning, not an error
    warnings = capsys.readouterr().err.splitlines()
    assert len(warnings) == 4
    assert "notify.pagerduty: the setting PAGERDUTY_ROUTING_KEY_PAYMENTS is not set" in warnings[0]
    assert "notify.webhook: the setting WARROOM_WEBHOOK_SECRET is not set" in warnings[1]
    # Twilio's account is shared: one warning per channel naming everyone it reaches.
    assert warnings[2].startswith(
        "warning: users.yaml: Liam Laurent, Priya Patel: notify.sms: the settings "
        "TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER are not set"
    )
    assert "notify.voice" in warnings[3]
    assert all(w.startswith("warning: users.yaml: ") for w in warnings)
    assert "the Slack DM still goes out" in warnings[0]


def test_the_start_logs_each_missing_credential_once(caplog: pytest.LogCaptureFixture) -> None:
    present = dict.fromkeys(EXAMPLE_CREDENTIALS, "set")
    del present["WARROOM_WEBHOOK_SECRET"]
    with caplog.at_level(logging.WARNING, logger="bot.config.startup"):
        load_startup_config(EXAMPLE, present.get)
    warned = [r.getMessage() for r in caplog.records if "is not set here" in r.getMessage()]
    assert len(warned) == 1
    assert "notify.webhook: the setting WARROOM_WEBHOOK_SECRET" in warned[0]
