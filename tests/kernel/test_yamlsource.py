"""Optional config files (heartbeats, announcements, routes, the insights digest) share one reader:
absent or empty means "not configured", anything else broken is an error with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.heartbeats.config import check_monitors
from bot.kernel.yamlsource import SourceErrors, Strict, read_optional


class _File(Strict):
    name: str


def test_an_absent_or_empty_file_is_not_configured(tmp_path: Path) -> None:
    assert read_optional(tmp_path / "missing.yaml", _File) is None
    (tmp_path / "empty.yaml").write_text("# nothing yet\n", encoding="utf-8")
    assert read_optional(tmp_path / "empty.yaml", _File) is None


def test_a_valid_file_gives_its_model_and_its_lines(tmp_path: Path) -> None:
    path = tmp_path / "file.yaml"
    path.write_text("\nname: backup\n", encoding="utf-8")
    loaded = read_optional(path, _File)
    assert loaded is not None
    raw, model = loaded
    assert model.name == "backup"
    assert raw.line_of("name") == 2


def test_a_misspelt_key_is_an_error_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "file.yaml"
    path.write_text("name: backup\nnmae: typo\n", encoding="utf-8")
    with pytest.raises(SourceErrors) as raised:
        read_optional(path, _File)
    assert [(error.line, error.field) for error in raised.value.errors] == [(2, "nmae")]


def test_a_file_that_is_not_text_says_it_cannot_be_read(tmp_path: Path) -> None:
    (tmp_path / "heartbeats.yaml").write_bytes(b"\xff\xfe\x00binary")
    errors = check_monitors(tmp_path, services=None)
    assert len(errors) == 1
    assert errors[0].file == str(tmp_path / "heartbeats.yaml")
    assert errors[0].message.startswith("cannot read:")
