"""SMS and voice contacts in users.yaml: E.164 numbers, and the Twilio settings they need."""

from __future__ import annotations

from pathlib import Path

from bot.config import SmsChannel, VoiceChannel, check_config, load_config
from bot.config.credentials import missing_credentials
from tests.oncall.test_config_errors import USERS, expect, folder, one_error

PHONES = USERS + '    notify:\n      sms:\n        phone: "+4915123456789"\n'


def test_sms_and_voice_numbers_become_channels(tmp_path: Path) -> None:
    users = PHONES + '      voice:\n        phone: "+4915123456789"\n'
    config = load_config(folder(tmp_path, users=users))
    liam = config.user("U0LEAD")
    assert liam is not None
    assert liam.channels == (SmsChannel("+4915123456789"), VoiceChannel("+4915123456789"))


def test_a_number_not_in_e164_form_is_an_error_with_its_line(tmp_path: Path) -> None:
    users = USERS + '    notify:\n      voice:\n        phone: "0151 2345 6789"\n'
    path = folder(tmp_path, users=users)
    expect(
        one_error(path),
        path,
        "users.yaml",
        11,
        "users[1].notify.voice.phone",
        "'0151 2345 6789' is not a phone number in E.164 form",
        "e.g. +4915123456789",
    )


def test_missing_twilio_settings_are_reported_once_per_contact(tmp_path: Path) -> None:
    config = load_config(folder(tmp_path, users=PHONES))
    settings = {"TWILIO_ACCOUNT_SID": "AC123"}
    [missing] = missing_credentials(config, settings.get)
    assert str(missing).startswith(
        "users.yaml: Liam: notify.sms: the settings TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER are "
        "not set here, so pages to Liam over sms will fail"
    )
    settings |= {"TWILIO_AUTH_TOKEN": "t", "TWILIO_FROM_NUMBER": "+15005550006"}
    assert missing_credentials(config, settings.get) == []
    assert check_config(folder(tmp_path, users=PHONES)) == []
