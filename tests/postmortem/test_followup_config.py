"""``followups:`` in postmortems/config.yaml: errors name file, line and field; a tracker whose
credential is unset is a warning of ``warroom config check``."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.config.credentials import missing_tracker_credentials
from bot.kernel.settings import Settings
from bot.kernel.yamlsource import SourceErrors
from bot.postmortems.config import Tracker, load_postmortem_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_service_tracker_wins_over_the_default(tmp_path: Path) -> None:
    config = load_postmortem_config(
        write(
            tmp_path,
            "followups:\n  default: {github: acme/ops}\n"
            "  by_service:\n    checkout: {github: acme/checkout}\n",
        )
    )
    assert config.tracker("checkout") == Tracker("github", "acme/checkout")
    assert config.tracker("search") == Tracker("github", "acme/ops")
    assert config.tracker(None) == Tracker("github", "acme/ops")


def test_without_followups_items_stay_in_warroom(tmp_path: Path) -> None:
    assert load_postmortem_config(write(tmp_path, "time_zone: UTC\n")).tracker("x") is None


def test_errors_name_file_line_and_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "followups:\n  by_service:\n    checkout: {github: not a repo}\n"
        "    search: {github: a/b, jira: OPS}\n",
    )
    with pytest.raises(SourceErrors) as raised:
        load_postmortem_config(path)
    text = str(raised.value)
    assert f"{path}:3: followups.by_service.checkout.github:" in text
    assert "write owner/name, e.g. acme/checkout" in text
    assert f"{path}:4: followups.by_service.search:" in text
    assert "name exactly one of github" in text


def test_config_check_warns_about_a_missing_token(tmp_path: Path) -> None:
    config = load_postmortem_config(write(tmp_path, "followups:\n  default: {github: acme/ops}\n"))
    unset = Settings(_env_file=None, github_token=None)
    [warning] = missing_tracker_credentials(config.tracker_list(), unset)
    assert "followups.default (github acme/ops): GITHUB_TOKEN not set" in warning
    token = Settings(_env_file=None, github_token=SecretStr("ghp_x"))
    assert missing_tracker_credentials(config.tracker_list(), token) == []
