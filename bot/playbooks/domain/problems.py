"""How a problem in a playbook file is described: where (a path of keys), what, and how to fix it.

A ``Problem`` names its place as a path of keys and indexes (``("steps", 2, "params", "flag")``);
the loader, which knows the YAML, turns the path into a line number and ``steps[2].params.flag``.
The helpers word values and suggestions the same way in every message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    loc: Loc
    message: str
    hint: str = ""


@dataclass(frozen=True)
class TemplateText:
    """A string rendered with Jinja2 (checked by ``bot.playbooks.schema``, which knows Jinja2)."""

    loc: Loc
    text: str


def join(*parts: str) -> str:
    """Hints joined with ``; ``, the empty ones left out."""
    return "; ".join(part for part in parts if part)


def kind(value: object) -> str:
    """What was found, for ``expected X, found ...``."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"true/false ({value})".lower()
    if isinstance(value, Mapping):
        return "a mapping"
    if is_list(value):
        return "a list"
    if isinstance(value, str):
        return f"text {value!r}"
    if isinstance(value, int | float):
        return f"a number ({value})"
    return type(value).__name__


def is_list(value: object) -> TypeGuard[Sequence[Any]]:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)
