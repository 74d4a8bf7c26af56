"""Where a config item came from, and the list of errors found so far.

Every check reports through ``Report.add`` with a path inside the file (``("schedules", 2,
"layers", 0, "turn")``); the line comes from the loaded YAML, the field from the same path, so the
person fixing it sees ``schedules.yaml:14: schedules[2].layers[0].turn: ... (hint: ...)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from bot.kernel.yamlsource import SourceError, field_path, line_at

M = TypeVar("M", bound=BaseModel)
Loc = tuple[int | str, ...]


@dataclass(frozen=True)
class Item(Generic[M]):
    """One validated entry of a config file: its model, the file's raw YAML and its path in it."""

    file: str
    raw: Any
    loc: Loc
    model: M

    def line(self, *sub: int | str) -> int | None:
        return line_at(self.raw, self.loc + sub)


@dataclass
class Report:
    errors: list[SourceError] = field(default_factory=list)

    def add(self, item: Item[Any], sub: Loc, message: str, hint: str = "") -> None:
        loc = item.loc + sub
        self.errors.append(
            SourceError(item.file, line_at(item.raw, loc), field_path(loc), message, hint)
        )

    def extend(self, errors: list[SourceError]) -> None:
        self.errors.extend(errors)
