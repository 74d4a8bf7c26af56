"""One "did you mean" for every name a person types or writes (config, playbooks, commands)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(name: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The candidate ``name`` was meant to be: the same but for case, else the most similar
    one at least ``cutoff`` alike, else ``None``."""
    pool = list(candidates)
    same = [c for c in pool if c.lower() == name.lower()]
    found = same or difflib.get_close_matches(name, pool, n=1, cutoff=cutoff)
    return found[0] if found else None


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """``"did you mean 'x'?"`` for the closest candidate, or ``""``."""
    found = closest(name, candidates)
    return f"did you mean {found!r}?" if found else ""
