"""Every config error users can make: the file, line, field, message and hint they see."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import check_config, load_config
from bot.kernel.yamlsource import SourceError, SourceErrors
from tests.oncall.helpers import local, utc

USERS = """\
users:
  - name: Olivia
    slack_id: U0ONCALL
    email: olivia@example.com
    tz: Europe/Berlin
  - name: Liam
    slack_id: U0LEAD
    email: liam@example.com
"""
SCHEDULES = """\
schedules:
  - name: primary
    time_zone: Europe/Berlin
    layers:
      - name: weekly
        users: [U0ONCALL, liam@example.com]
        rotation_virtual_start: 2024-01-01 09:00
        turn: weekly
"""
POLICIES = """\
escalation_policies:
  - name: critical
    repeat: 1
    levels:
      - delay_minutes: 10
        targets:
          - schedule: primary
      - delay_minutes: 15
        targets:
          - user: U0LEAD
"""
SERVICES = """\
services:
  - name: checkout
    escalation_policy: critical
    team_channel: "#payments"
"""
BASE = {
    "users.yaml": USERS,
    "schedules.yaml": SCHEDULES,
    "escalation_policies.yaml": POLICIES,
    "services.yaml": SERVICES,
}


def folder(tmp_path: Path, **files: str) -> Path:
    """The base config with some files replaced (keyword: file name without ``.yaml``)."""
    for name, text in {**BASE, **{f"{k}.yaml": v for k, v in files.items()}}.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def one_error(path: Path) -> SourceError:
    errors = check_config(path)
    assert len(errors) == 1, "\n".join(map(str, errors))
    return errors[0]


def expect(
    error: SourceError, path: Path, file: str, line: int, field: str, message: str, hint: str
) -> None:
    assert (error.file, error.line, error.field) == (str(path / file), line, field), error
    assert message in error.message, error
    assert hint in error.hint, error


def test_the_base_is_valid(tmp_path: Path) -> None:
    config = load_config(folder(tmp_path))
    primary = config.schedule("primary")
    assert primary is not None
    # Written with an email, stored as the Slack id; naive times are Berlin wall-clock times.
    assert primary.layers[0].users == ("U0ONCALL", "U0LEAD")
    assert primary.layers[0].rotation_virtual_start == local("Europe/Berlin", 2024, 1, 1, 9)


# --- references ----------------------------------------------------------------------------------


def test_unknown_user_in_a_rotation(tmp_path: Path) -> None:
    path = folder(tmp_path, schedules=SCHEDULES.replace("liam@example.com", "liam@exmple.com"))
    expect(
        one_error(path),
        path,
        "schedules.yaml",
        6,
        "schedules[0].layers[0].users[1]",
        "unknown user 'liam@exmple.com'",
        "did you mean 'liam@example.com'?; add them to users.yaml",
    )


def test_unknown_user_in_a_policy(tmp_path: Path) -> None:
    path = folder(tmp_path, escalation_policies=POLICIES.replace("user: U0LEAD", "user: U0NOBODY"))
    expect(
        one_error(path),
        path,
        "escalation_policies.yaml",
        10,
        "escalation_policies[0].levels[1].targets[0].user",
        "unknown user 'U0NOBODY'",
        "add them to users.yaml",
    )


def test_unknown_schedule_in_a_policy(tmp_path: Path) -> None:
    path = folder(
        tmp_path, escalation_policies=POLICIES.replace("schedule: primary", "schedule: primay")
    )
    expect(
        one_error(path),
        path,
        "escalation_policies.yaml",
        7,
        "escalation_policies[0].levels[0].targets[0].schedule",
        "unknown schedule 'primay'",
        "did you mean 'primary'?; define it in schedules.yaml",
    )


def test_unknown_policy_in_a_service(tmp_path: Path) -> None:
    path = folder(tmp_path, services=SERVICES.replace("policy: critical", "policy: critcal"))
    expect(
        one_error(path),
        path,
        "services.yaml",
        3,
        "services[0].escalation_policy",
        "unknown escalation policy 'critcal'",
        "did you mean 'critical'?; define it in escalation_policies.yaml",
    )


def test_unknown_playbook_when_playbooks_are_known(tmp_path: Path) -> None:
    path = folder(tmp_path, services=SERVICES + "    playbooks: [rollback, rolback]\n")
    assert check_config(path) == []
    errors = check_config(path, playbooks={"rollback"})
    assert len(errors) == 1
    expect(
        errors[0],
        path,
        "services.yaml",
        5,
        "services[0].playbooks[1]",
        "unknown playbook 'rolback'",
        "did you mean 'rollback'?",
    )


def test_a_reference_to_an_invalid_entry_is_reported_once(tmp_path: Path) -> None:
    broken = SCHEDULES.replace("turn: weekly", "turn: 0h")
    path = folder(tmp_path, schedules=broken)
    assert [e.field for e in check_config(path)] == ["schedules[0].layers[0].turn"]


# --- schedules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("turn", "message"),
    [
        ("0h", "must be positive, got '0h'"),
        ("-3d", "must be positive"),
        ("3 days", "unknown turn length"),
    ],
)
def test_bad_turn_lengths(tmp_path: Path, turn: str, message: str) -> None:
    path = folder(tmp_path, schedules=SCHEDULES.replace("turn: weekly", f"turn: {turn}"))
    expect(
        one_error(path),
        path,
        "schedules.yaml",
        8,
        "schedules[0].layers[0].turn",
        message,
        "hourly, daily, weekly, or a positive count and unit: 12h, 3d, 2w",
    )


def test_a_rotation_with_no_users(tmp_path: Path) -> None:
    path = folder(tmp_path, schedules=SCHEDULES.replace("[U0ONCALL, liam@example.com]", "[]"))
    expect(
        one_error(path),
        path,
        "schedules.yaml",
        6,
        "schedules[0].layers[0].users",
        "a rotation with no users",
        "list at least one Slack id or email",
    )


def test_a_schedule_with_no_layers(tmp_path: Path) -> None:
    text = "schedules:\n  - name: primary\n    time_zone: UTC\n    layers: []\n"
    path = folder(tmp_path, schedules=text)
    expect(
        one_error(path),
        path,
        "schedules.yaml",
        4,
        "schedules[0].layers",
        "no layers",
        "add a layer",
    )


@pytest.mark.parametrize(
    ("zone", "hint"),
    [
        ("Europe/Berln", "did you mean 'Europe/Berlin'?"),
        ("europe/berlin", "did you mean 'Europe/Berlin'?"),
        ("CEST", "use an IANA name such as Europe/Berlin"),
    ],
)
def test_bad_schedule_time_zone(tmp_path: Path, zone: str, hint: str) -> None:
    path = folder(
        tmp_path, schedules=SCHEDULES.replace("time_zone: Europe/Berlin", f"time_zone: {zone}")
    )
    expect(
        one_error(path),
        path,
        "schedules.yaml",
        3,
        "schedules[0].time_zone",
        f"unknown time zone '{zone}'",
        hint,
    )


def test_bad_user_time_zone(tmp_path: Path) -> None:
    path = folder(tmp_path, users=USERS.replace("tz: Europe/Berlin", "tz: America/NewYork"))
    expect(
        one_error(path),
        path,
        "users.yaml",
        5,
        "users[0].tz",
        "unknown time zone 'America/NewYork'",
        "did you mean 'America/New_York'?",
    )


@pytest.mark.parametrize(
    ("restriction", "field", "message", "hint"),
    [
        ("daily: 9-17", "daily", "bad daily window: expected HH:MM-HH:MM", "09:00-17:00"),
        ("daily: 09:00-09:00", "daily", "starts and ends at the same time", "24-hour clock"),
        ("daily: 08:00-25:00", "daily", "not a time of day", "24-hour clock"),
        (
            "weekly: mon 09:00 - fri",
            "weekly",
            "bad weekly window: expected",
            "mon 09:00 - fri 17:00",
        ),
        (
            "weekly: mon 09:00 - fry 17:00",
            "weekly",
            "'fry' is not a weekday",
            "mon 09:00 - fri 17:00",
        ),
        (
            "{daily: 09:00-17:00, weekly: mon 09:00 - fri 17:00}",
            "",
            "either daily or weekly",
            "'- daily: 09:00-17:00'",
        ),
    ],
)
def test_bad_restriction_windows(
    tmp_path: Path, restriction: str, field: str, message: str, hint: str
) -> None:
    text = SCHEDULES + f"        restrictions:\n          - {restriction}\n"
    path = folder(tmp_path, schedules=text)
    where = "schedules[0].layers[0].restrictions[0]" + (f".{field}" if field else "")
    expect(one_error(path), path, "schedules.yaml", 10, where, message, hint)


def test_layer_ending_before_it_starts(tmp_path: Path) -> None:
    text = SCHEDULES + "        end: 2023-12-31 09:00\n"
    path = folder(tmp_path, schedules=text)
    expect(
        one_error(path),
        path,
        "schedules.yaml",
        9,
        "schedules[0].layers[0].end",
        "ends before it starts",
        "end must be after start",
    )


OVERRIDES = (
    SCHEDULES
    + """\
    overrides:
      - user: U0LEAD
        start: 2025-12-24 09:00
        end: 2025-12-27 09:00
      - user: olivia@example.com
        start: 2025-12-26T09:00:00+01:00
        end: 2025-12-28 09:00
"""
)


def test_overlapping_overrides(tmp_path: Path) -> None:
    path = folder(tmp_path, schedules=OVERRIDES)
    expect(
        one_error(path),
        path,
        "schedules.yaml",
        14,
        "schedules[0].overrides[1].start",
        "overlapping overrides",
        "starts before the one at line 10 ends",
    )


def test_config_overrides_are_loaded_in_the_schedule_zone(tmp_path: Path) -> None:
    text = OVERRIDES.replace("start: 2025-12-26T09:00:00+01:00", "start: 2025-12-27T09:00:00+01:00")
    config = load_config(folder(tmp_path, schedules=text))
    first, second = config.schedule_overrides("primary")
    assert (first.user, first.start) == ("U0LEAD", utc(2025, 12, 24, 8))
    assert (second.user, second.start) == ("U0ONCALL", utc(2025, 12, 27, 8))


def test_an_override_that_ends_before_it_starts(tmp_path: Path) -> None:
    text = OVERRIDES.replace("end: 2025-12-28 09:00", "end: 2025-12-20 09:00")
    path = folder(tmp_path, schedules=text)
    expect(
        one_error(path),
        path,
        "schedules.yaml",
        15,
        "schedules[0].overrides[1].end",
        "ends before it starts",
        "end must be after start",
    )


def test_an_override_for_an_unknown_user(tmp_path: Path) -> None:
    text = OVERRIDES.replace("user: olivia@example.com", "user: oliva@example.com")
    path = folder(tmp_path, schedules=text)
    expect(
        one_error(path),
        path,
        "schedules.yaml",
        13,
        "schedules[0].overrides[1].user",
        "unknown user",
        "did you mean 'olivia@example.com'?",
    )


# --- policies ------------------------------------------------------------------------------------


def test_a_policy_with_no_levels(tmp_path: Path) -> None:
    path = folder(
        tmp_path, escalation_policies="escalation_policies:\n  - name: critical\n    levels: []\n"
    )
    expect(
        one_error(path),
        path,
        "escalation_policies.yaml",
        3,
        "escalation_policies[0].levels",
        "a policy with no levels",
        "add a level",
    )


def test_a_negative_delay(tmp_path: Path) -> None:
    path = folder(
        tmp_path, escalation_policies=POLICIES.replace("delay_minutes: 15", "delay_minutes: -5")
    )
    expect(
        one_error(path),
        path,
        "escalation_policies.yaml",
        8,
        "escalation_policies[0].levels[1].delay_minutes",
        "negative delay: -5",
        "0 or more",
    )


def test_a_level_with_no_targets(tmp_path: Path) -> None:
    text = POLICIES.replace("        targets:\n          - user: U0LEAD\n", "        targets: []\n")
    path = folder(tmp_path, escalation_policies=text)
    expect(
        one_error(path),
        path,
        "escalation_policies.yaml",
        9,
        "escalation_policies[0].levels[1].targets",
        "a level with no targets",
        "- schedule: <name>",
    )


def test_a_target_that_is_both_user_and_schedule(tmp_path: Path) -> None:
    text = POLICIES.replace("- user: U0LEAD", "- {user: U0LEAD, schedule: primary}")
    path = folder(tmp_path, escalation_policies=text)
    expect(
        one_error(path),
        path,
        "escalation_policies.yaml",
        10,
        "escalation_policies[0].levels[1].targets[0]",
        "either a user or a schedule",
        "- user:",
    )


@pytest.mark.parametrize(
    ("repeat", "message"), [("-1", "between 0 and 9, got -1"), ("10", "got 10")]
)
def test_repeat_out_of_range(tmp_path: Path, repeat: str, message: str) -> None:
    path = folder(tmp_path, escalation_policies=POLICIES.replace("repeat: 1", f"repeat: {repeat}"))
    expect(
        one_error(path),
        path,
        "escalation_policies.yaml",
        3,
        "escalation_policies[0].repeat",
        message,
        "0 = once through",
    )


def test_repeat_with_no_delay_at_all(tmp_path: Path) -> None:
    text = POLICIES.replace("delay_minutes: 10", "delay_minutes: 0").replace(
        "delay_minutes: 15", "delay_minutes: 0"
    )
    path = folder(tmp_path, escalation_policies=text)
    expect(
        one_error(path),
        path,
        "escalation_policies.yaml",
        3,
        "escalation_policies[0].repeat",
        "every delay at 0",
        "give at least one level a delay_minutes above 0",
    )


# --- duplicates ----------------------------------------------------------------------------------


def test_duplicate_schedule_names(tmp_path: Path) -> None:
    text = SCHEDULES + SCHEDULES.removeprefix("schedules:\n")
    path = folder(tmp_path, schedules=text)
    expect(
        one_error(path),
        path,
        "schedules.yaml",
        9,
        "schedules[1].name",
        "duplicate schedule name 'primary'",
        "the first schedule with this name is at line 2",
    )


def test_duplicate_policy_and_service_names(tmp_path: Path) -> None:
    path = folder(
        tmp_path,
        escalation_policies=POLICIES + POLICIES.removeprefix("escalation_policies:\n"),
        services=SERVICES + SERVICES.removeprefix("services:\n"),
    )
    errors = check_config(path)
    assert [(Path(e.file).name, e.line, e.field, e.message) for e in errors] == [
        (
            "escalation_policies.yaml",
            11,
            "escalation_policies[1].name",
            "duplicate escalation policy name 'critical'",
        ),
        ("services.yaml", 5, "services[1].name", "duplicate service name 'checkout'"),
    ]


def test_duplicate_users(tmp_path: Path) -> None:
    text = USERS + "  - name: Olivia again\n    email: Olivia@Example.com\n"
    path = folder(tmp_path, users=text)
    expect(
        one_error(path),
        path,
        "users.yaml",
        10,
        "users[2].email",
        "duplicate user 'Olivia@Example.com'",
        "the first entry is at line 2",
    )


def test_duplicate_layer_names(tmp_path: Path) -> None:
    layer = SCHEDULES.split("    layers:\n", 1)[1]
    path = folder(tmp_path, schedules=SCHEDULES + layer)
    expect(
        one_error(path),
        path,
        "schedules.yaml",
        9,
        "schedules[0].layers[1].name",
        "duplicate layer name 'weekly'",
        "the first is at line 5",
    )


def test_names_must_be_slugs(tmp_path: Path) -> None:
    path = folder(tmp_path, services=SERVICES.replace("name: checkout", "name: Checkout API"))
    expect(
        one_error(path),
        path,
        "services.yaml",
        2,
        "services[0].name",
        "service name 'Checkout API' is not a slug",
        "e.g. checkout-api",
    )


# --- users and channels --------------------------------------------------------------------------


def test_a_user_without_slack_id_or_email(tmp_path: Path) -> None:
    path = folder(tmp_path, users=USERS + "  - name: Ghost\n")
    expect(
        one_error(path),
        path,
        "users.yaml",
        9,
        "users[2]",
        "needs a slack_id or an email",
        "slack_id:",
    )


def test_malformed_slack_id_and_email(tmp_path: Path) -> None:
    path = folder(tmp_path, users=USERS + "  - name: Bad\n    slack_id: olivia\n    email: nope\n")
    errors = check_config(path)
    assert [(e.line, e.field) for e in errors] == [
        (10, "users[2].slack_id"),
        (11, "users[2].email"),
    ]
    assert "look like U0123ABCD" in errors[0].hint


def test_a_secret_written_in_yaml_is_refused(tmp_path: Path) -> None:
    text = USERS + "    notify:\n      pagerduty:\n        routing_key: 0123456789abcdef\n"
    path = folder(tmp_path, users=text)
    missing, extra = check_config(path)
    expect(
        missing,
        path,
        "users.yaml",
        11,
        "users[1].notify.pagerduty.routing_key_setting",
        "Field required",
        "add 'routing_key_setting:' (the NAME of an environment setting",
    )
    expect(
        extra,
        path,
        "users.yaml",
        11,
        "users[1].notify.pagerduty.routing_key",
        "Extra inputs are not permitted",
        "credentials never go in YAML",
    )
    assert extra.hint.endswith("as routing_key_setting")


def test_a_setting_must_be_named_not_pasted(tmp_path: Path) -> None:
    text = USERS + "    notify:\n      opsgenie:\n        api_key_setting: 0123456789abcdef\n"
    path = folder(tmp_path, users=text)
    error = one_error(path)
    expect(
        error,
        path,
        "users.yaml",
        11,
        "users[1].notify.opsgenie.api_key_setting",
        "'0123...' is not a setting name",
        "give the NAME of an environment setting",
    )
    assert "0123456789abcdef" not in str(error)


def test_webhook_url_and_team_channel_formats(tmp_path: Path) -> None:
    users = (
        USERS
        + "    notify:\n      webhook:\n        url: hooks.example.com\n"
        + "        secret_setting: HOOK_SECRET\n"
    )
    path = folder(tmp_path, users=users, services=SERVICES.replace('"#payments"', "payments"))
    errors = check_config(path)
    assert [(Path(e.file).name, e.line, e.field) for e in errors] == [
        ("users.yaml", 11, "users[1].notify.webhook.url"),
        ("services.yaml", 4, "services[0].team_channel"),
    ]
    assert "a bare # starts a YAML comment" in errors[1].hint


# --- shape and files -----------------------------------------------------------------------------


def test_a_misspelt_field_gets_a_suggestion(tmp_path: Path) -> None:
    path = folder(
        tmp_path, escalation_policies=POLICIES.replace("delay_minutes: 15", "dealy_minutes: 15")
    )
    errors = check_config(path)
    assert [(e.line, e.field, e.message) for e in errors] == [
        (8, "escalation_policies[0].levels[1].delay_minutes", "Field required"),
        (8, "escalation_policies[0].levels[1].dealy_minutes", "Extra inputs are not permitted"),
    ]
    assert errors[0].hint.startswith("add 'delay_minutes:'")
    assert "did you mean 'delay_minutes'?" in errors[1].hint


def test_a_wrong_type_gets_the_field_hint(tmp_path: Path) -> None:
    path = folder(
        tmp_path,
        schedules=SCHEDULES.replace(
            "rotation_virtual_start: 2024-01-01 09:00", "rotation_virtual_start: 1704096000"
        ),
    )
    expect(
        one_error(path),
        path,
        "schedules.yaml",
        7,
        "schedules[0].layers[0].rotation_virtual_start",
        "not a number",
        "e.g. 2024-01-01 09:00",
    )


def test_invalid_yaml_has_its_line(tmp_path: Path) -> None:
    path = folder(tmp_path, services="services:\n  - name: x\n   escalation_policy: [\n")
    error = check_config(path)[0]
    assert (Path(error.file).name, error.line) == ("services.yaml", 3)
    assert "invalid YAML" in error.message
    assert "indentation" in error.hint


def test_a_file_without_its_top_level_key(tmp_path: Path) -> None:
    path = folder(tmp_path, services="- name: checkout\n  escalation_policy: critical\n")
    expect(
        one_error(path),
        path,
        "services.yaml",
        1,
        "",
        "expected a mapping with the single key 'services'",
        "start the file with 'services:'",
    )


def test_an_unknown_file_is_an_error(tmp_path: Path) -> None:
    path = folder(tmp_path)
    (path / "schedule.yml").write_text("schedules: []\n")
    (path / "notes.yaml").write_text("x: 1\n")
    (path / "README.md").write_text("not config\n")
    errors = check_config(path)
    assert [(Path(e.file).name, e.hint) for e in errors] == [
        (
            "notes.yaml",
            "config files are users.yaml, schedules.yaml, escalation_policies.yaml, services.yaml; "
            "move other files out of this folder",
        ),
        ("schedule.yml", "rename it to schedules.yaml"),
    ]


def test_missing_files_are_empty_and_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "users.yaml").write_text(USERS)
    config = load_config(tmp_path)
    assert len(config.users) == 2
    assert config.schedules == ()
    error = one_error(tmp_path / "nope")
    assert (error.file, error.message) == (str(tmp_path / "nope"), "config folder not found")


def test_load_config_raises_every_error_across_files(tmp_path: Path) -> None:
    path = folder(
        tmp_path,
        users=USERS.replace("tz: Europe/Berlin", "tz: Mars/Olympus"),
        schedules=SCHEDULES.replace("turn: weekly", "turn: 0d"),
        escalation_policies=POLICIES.replace("delay_minutes: 15", "delay_minutes: -1"),
        services=SERVICES.replace("policy: critical", "policy: missing"),
    )
    with pytest.raises(SourceErrors) as caught:
        load_config(path)
    assert [Path(e.file).name for e in caught.value.errors] == [
        "users.yaml",
        "schedules.yaml",
        "escalation_policies.yaml",
        "services.yaml",
    ]
    assert str(caught.value).splitlines()[1] == (
        f"{path / 'schedules.yaml'}:8: schedules[0].layers[0].turn: turn length must be positive, "
        "got '0d' (hint: write hourly, daily, weekly, or a positive count and unit: 12h, 3d, 2w)"
    )
