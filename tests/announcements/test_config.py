"""announcements.yaml: every mistake with file, line, field and a hint; a good file as values."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.announcements.config import check_announcing, load_announcing
from bot.config import check_config, load_config
from bot.incidents.domain.severity import Severity
from tests.e2e.conftest import CONFIG_DIR


def folder_with(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    (folder / "announcements.yaml").write_text(text)
    return folder


def test_a_good_file_reads_as_values(tmp_path: Path) -> None:
    folder = folder_with(
        tmp_path,
        """
announcements:
  channels: ["#incidents", C0123ABCD]
  reannounce_at: sev1
  services:
    - service: checkout-api
      channels: ["#payments-incidents", "#incidents"]
      stakeholders: [maya@example.com, U0BOB]
      stakeholders_at: Sev-2
""",
    )
    announcing = load_announcing(folder, load_config(folder))
    assert announcing.channels_for("checkout-api") == (
        "#incidents",
        "C0123ABCD",
        "#payments-incidents",
    )
    assert announcing.channels_for(None) == ("#incidents", "C0123ABCD")
    assert announcing.reannounce_at is Severity.SEV1
    comms = announcing.services["checkout-api"]
    assert comms.stakeholders == ("U0MGR", "U0BOB")
    assert comms.stakeholders_at is Severity.SEV2


def test_every_mistake_is_reported_with_its_line_and_field(tmp_path: Path) -> None:
    folder = folder_with(
        tmp_path,
        """announcements:
  channels: [incidents]
  reannounce_at: sev9
  services:
    - service: checkout
      channels: ["#Payments Incidents"]
      stakeholders: [nobody@example.com]
      stakeholders_at: critical
""",
    )
    errors = [str(e) for e in check_announcing(folder, load_config(folder))]
    file = str(folder / "announcements.yaml")
    expected = [
        (2, "announcements.channels[0]", "'incidents' is not a Slack channel"),
        (3, "announcements.reannounce_at", "unknown severity 'sev9'"),
        (5, "announcements.services[0].service", "unknown service 'checkout'"),
        (6, "announcements.services[0].channels[0]", "is not a Slack channel"),
        (7, "announcements.services[0].stakeholders[0]", "stakeholder 'nobody@example.com'"),
        (8, "announcements.services[0].stakeholders_at", "unknown severity 'critical'"),
    ]
    assert len(errors) == len(expected), errors
    for (line, field, message), error in zip(expected, errors, strict=True):
        assert error.startswith(f"{file}:{line}: {field}: "), error
        assert message in error, error
    assert "did you mean 'checkout-api'" in errors[2]
    assert "a bare # starts a YAML comment" in errors[0]


def test_an_unknown_key_is_an_error_not_ignored(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "announcements:\n  channel: '#incidents'\n")
    [error] = check_announcing(folder, load_config(folder))
    assert "announcements.channel" in str(error)
    assert ":2:" in str(error)


def test_without_the_file_nothing_is_announced(tmp_path: Path) -> None:
    assert load_announcing(tmp_path, None).channels_for("checkout-api") == ()


def test_an_escalation_level_invites_on_page_or_on_acknowledge(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "")
    (folder / "escalation_policies.yaml").write_text(
        """escalation_policies:
  - name: primary-policy
    levels:
      - delay_minutes: 10
        invite: on_page
        targets: [{schedule: primary}]
      - delay_minutes: 10
        invite: when_paged
        targets: [{user: U0MGR}]
"""
    )
    [error] = check_config(folder)
    assert str(error).startswith(
        f"{folder / 'escalation_policies.yaml'}:8: escalation_policies[0].levels[1].invite: "
    ), error
    assert "on_page" in str(error)
    (folder / "escalation_policies.yaml").write_text(
        "escalation_policies:\n  - name: primary-policy\n    levels:\n"
        "      - {delay_minutes: 10, invite: on_page, targets: [{schedule: primary}]}\n"
        "      - {delay_minutes: 10, targets: [{user: U0MGR}]}\n"
    )
    policy = load_config(folder).escalation_policy("primary-policy")
    assert policy is not None
    assert [level.invite_on_page for level in policy.levels] == [True, False]
    assert type(policy).from_dict(policy.to_dict()) == policy  # the snapshot keeps it


def test_stakeholder_groups_are_handles(tmp_path: Path) -> None:
    folder = folder_with(
        tmp_path,
        "announcements:\n  services:\n    - service: checkout-api\n"
        '      stakeholders: ["@payments-leads", "@Payments Leads"]\n',
    )
    [error] = check_announcing(folder, load_config(folder))
    assert ":4: announcements.services[0].stakeholders[1]: " in str(error)
    assert "not a Slack user group handle" in str(error)
    folder = folder_with(
        tmp_path / "good",
        "announcements:\n  services:\n    - service: checkout-api\n"
        '      stakeholders: ["@payments-leads", U0BOB]\n',
    )
    comms = load_announcing(folder, load_config(folder)).services["checkout-api"]
    assert (comms.groups, comms.stakeholders) == (("payments-leads",), ("U0BOB",))
