"""Whatever a playbook file holds, loading reports problems and never crashes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.playbooks.loader import load_file
from bot.playbooks.schema import STEP_FIELDS, TOP_LEVEL_FIELDS, parse_playbook

KEYS = st.sampled_from([*TOP_LEVEL_FIELDS, *STEP_FIELDS, "when", "severities", "url", "flag"])
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
DATA = st.recursive(
    SCALARS | st.sampled_from(["feature_flag.disable", "kubernetes.scale", "{{ x", "sev1"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(KEYS | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("arbitrary")


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300))
def test_any_text_loads_or_is_reported(folder: Path, text: str) -> None:
    path = folder / "arbitrary.yaml"
    path.write_text(text, encoding="utf-8")
    playbook, errors = load_file(path)
    assert (playbook is None) == bool(errors)
    assert all(error.file == str(path) for error in errors)


@settings(max_examples=300, deadline=None)
@given(data=DATA)
def test_any_data_is_parsed_or_reported(data: object) -> None:
    parsed = parse_playbook(data, "arbitrary", "arbitrary.yaml")
    assert (parsed.playbook is None) == bool(parsed.problems)


@settings(max_examples=100, deadline=None)
@given(
    ids=st.lists(st.from_regex(r"[a-z0-9][a-z0-9_-]{0,10}", fullmatch=True), min_size=1, max_size=8)
)
def test_steps_load_in_order_unless_an_id_repeats(ids: list[str]) -> None:
    steps = [{"id": step_id, "instructions": "Do it."} for step_id in ids]
    parsed = parse_playbook({"steps": steps}, "p", "p.yaml")
    if len(set(ids)) == len(ids):
        assert parsed.playbook is not None
        assert [step.id for step in parsed.playbook.steps] == ids
    else:
        assert [problem.message.split(" (")[0] for problem in parsed.problems] == [
            f"duplicate step id {step_id!r}"
            for index, step_id in enumerate(ids)
            if step_id in ids[:index]
        ]
