"""docs/playbooks.md documents every action and parameter; its examples and the README's load."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.playbooks.domain.catalogue import CATALOGUE
from bot.playbooks.domain.variables import FIELDS
from bot.playbooks.loader import load_file
from bot.playbooks.schema import LINK_FIELDS, STEP_FIELDS, TOP_LEVEL_FIELDS, WHEN_FIELDS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "playbooks.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = DOC.index(title)
    end = DOC.find("\n#", start + len(title))
    return DOC[start : end if end != -1 else None]


@pytest.mark.parametrize("action", CATALOGUE)
def test_every_action_and_parameter_is_documented(action: str) -> None:
    documented = section(f"### `{action}`")
    for parameter in CATALOGUE[action].params:
        assert f"| `{parameter}` |" in documented, f"{action}.{parameter} is not in the table"
    assert "```yaml" in documented, f"{action} has no example"


def test_every_field_and_template_variable_is_documented() -> None:
    for name in (*TOP_LEVEL_FIELDS, *WHEN_FIELDS, *STEP_FIELDS, *LINK_FIELDS):
        assert f"`{name}`" in DOC, name
    for root, fields in FIELDS.items():
        for field in fields:
            assert f"`{root}.{field}" in DOC, f"{root}.{field}"


def test_the_format_example_is_a_valid_playbook(tmp_path: Path) -> None:
    example = re.search(r"```yaml\n(# playbooks/(.+?)\.yaml\n.*?)```", DOC, re.DOTALL)
    assert example is not None
    path = tmp_path / f"{example.group(2)}.yaml"
    path.write_text(example.group(1), encoding="utf-8")
    playbook, errors = load_file(path)
    assert errors == []
    assert playbook is not None
    assert [step.id for step in playbook.steps] == ["confirm-blast-radius", "disable-flag"]


@pytest.mark.parametrize("action", CATALOGUE)
def test_each_action_example_is_a_valid_step(tmp_path: Path, action: str) -> None:
    example = re.search(r"```yaml\n(.*?)```", section(f"### `{action}`"), re.DOTALL)
    assert example is not None
    path = tmp_path / "example.yaml"
    path.write_text(f"steps:\n{example.group(1)}", encoding="utf-8")
    assert load_file(path)[1] == []


def test_the_readme_example_is_a_valid_playbook(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(title: .*?)```", readme, re.DOTALL)
    assert example is not None
    path = tmp_path / "example.yaml"
    path.write_text(example.group(1), encoding="utf-8")
    playbook, errors = load_file(path)
    assert errors == []
    assert playbook is not None
    assert [step.action for step in playbook.steps] == [None, "feature_flag.disable"]
