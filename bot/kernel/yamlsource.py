"""YAML with line numbers, and validation errors that say file, line, field and how to fix it.

Config files (schedules, policies, services) and playbooks are reviewed like code, so an error must
point at the exact place. ``load_yaml`` keeps each mapping's and sequence's line numbers;
``validate`` runs a pydantic model and turns each failure's ``loc`` back into a line.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

Model = TypeVar("Model", bound=BaseModel)


class Strict(BaseModel):
    """A config file's model: an unknown field is an error (a misspelt key must not be ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class SourceError:
    """One problem in a source file, worded for the person who has to fix it."""

    file: str
    line: int | None
    field: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        text = (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )
        return f"{text} (hint: {self.hint})" if self.hint else text


class SourceErrors(Exception):
    """Raised with every error found, not just the first."""

    def __init__(self, errors: list[SourceError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


class LineDict(dict[Any, Any]):
    """A mapping that remembers its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A sequence that remembers its own line and the line of each item (1-based)."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


class _LineLoader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:
        result = LineDict()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):  # `? [a, b]` is valid YAML but no dict key
                problem = "a key must be plain text, not a list or mapping"
                raise yaml.constructor.ConstructorError(None, None, problem, key_node.start_mark)
            if key in result:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> LineList:
        result = LineList(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping
)
_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _LineLoader.construct_sequence
)


def load_yaml(text: str, file: str) -> Any:
    """Parse YAML keeping line numbers; a syntax error becomes ``SourceErrors`` with its line."""
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or str(exc)
        raise SourceErrors(
            [
                SourceError(
                    file, line, "", f"invalid YAML: {problem}", "check indentation and quoting"
                )
            ]
        ) from exc
    except yaml.YAMLError as exc:
        raise SourceErrors([SourceError(file, None, "", f"invalid YAML: {exc}")]) from exc


def line_at(data: Any, loc: tuple[int | str, ...]) -> int | None:
    """The line of the deepest node along ``loc`` that still exists in the loaded data."""
    line: int | None = getattr(data, "line", None)
    node = data
    for part in loc:
        if isinstance(node, LineDict) and part in node:  # noqa: SIM114  (narrowing differs)
            line, node = node.line_of(part), node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line, node = node.line_of(part), node[part]
        else:
            break
        line = getattr(node, "line", None) or line
    return line


def field_path(loc: tuple[int | str, ...]) -> str:
    """``("levels", 0, "delay")`` -> ``levels[0].delay``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def validate(model: type[Model], data: Any, file: str, prefix: tuple[int | str, ...] = ()) -> Model:
    """Validate ``data`` with ``model``; every failure becomes a ``SourceError`` with its line."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise SourceErrors(
            [
                SourceError(
                    file,
                    line_at(data, tuple(err["loc"])),
                    field_path(prefix + tuple(err["loc"])),
                    err["msg"],
                )
                for err in exc.errors()
            ]
        ) from exc


def read_optional(path: Path, model: type[Model]) -> tuple[Any, Model] | None:
    """An optional config file's YAML (with its lines, for later errors) and its model.

    None when the file is absent or empty; ``SourceErrors`` when it cannot be read, parsed or
    validated.
    """
    if not path.is_file():
        return None
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SourceErrors([SourceError(file, None, "", f"cannot read: {error}")]) from error
    raw = load_yaml(text, file)
    return None if raw is None else (raw, validate(model, raw, file))
