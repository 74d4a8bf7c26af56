"""Which words a rule's every match must contain, so the check can skip text without them.

A post-mortem of a long incident is megabytes of Markdown; running every rule's regex over every
sentence costs seconds. ``required_literals`` reads the compiled pattern's syntax tree and returns
strings such that any match contains at least one of them (case-insensitively): a literal run
(``human``), the union over an alternation's branches, a repeated item's own requirement when it
repeats at least once. Only sentences whose text contains one of them can match. When a pattern
has no such strings (``\\w+``) or cannot be analysed, the answer is None and every sentence is
checked, so the prefilter never changes what is found.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

try:  # The parser re itself uses (private, present since 3.11); without it, no prefilter.
    from re import _parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    _parser = None

Literals = frozenset[str]


def required_literals(pattern: re.Pattern[str]) -> Literals | None:
    """Case-folded strings one of which every match contains, or None when there are none."""
    return _literals(pattern.pattern, pattern.flags)


@lru_cache(maxsize=512)
def _literals(pattern: str, flags: int) -> Literals | None:
    if _parser is None:
        return None
    try:
        found = _sequence(_parser.parse(pattern, flags))
    except (re.error, AttributeError, TypeError, ValueError, IndexError):
        return None
    return frozenset(s.casefold() for s in found) if found else None


def _sequence(items: Any) -> set[str] | None:
    options: list[set[str]] = []
    run: list[str] = []
    for op, av in items:
        if op is _parser.LITERAL:
            run.append(chr(av))
            continue
        if run:
            options.append({"".join(run)})
            run = []
        inner = _item(op, av)
        if inner:
            options.append(inner)
    if run:
        options.append({"".join(run)})
    # The most selective option: the longest shortest string, then the fewest strings.
    return max(options, key=lambda s: (min(map(len, s)), -len(s)), default=None)


def _item(op: Any, av: Any) -> set[str] | None:
    if op is _parser.SUBPATTERN:
        return _sequence(av[-1])
    if op is _parser.ATOMIC_GROUP:
        return _sequence(av)
    if op is _parser.BRANCH:
        branches = [_sequence(branch) for branch in av[1]]
        if any(not b for b in branches):
            return None
        return set().union(*branches)  # type: ignore[arg-type]
    if op in (_parser.MAX_REPEAT, _parser.MIN_REPEAT, _parser.POSSESSIVE_REPEAT):
        low, _, sub = av
        return _sequence(sub) if low >= 1 else None
    return None
