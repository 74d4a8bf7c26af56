"""Hostile values, and mutations of a well-formed payload (missing keys, wrong types).

Everything draws from the ``random.Random`` it is given, so a seed (or Hypothesis, which hands
in its own ``Random``) replays the same values.
"""

from __future__ import annotations

import copy
import random
from typing import Any

# Text people (or attackers) type: markup Slack passes through, other scripts, control
# characters (NUL too: PostgreSQL refuses it in text), template and SQL syntax, the word that
# confused slack_bolt's body sniffing.
_FRAGMENTS = (
    "Checkout is slow",
    "payload",
    "payload=",
    "<@U0ONCALL>",
    "<@U0NOBODY|ghost>",
    "<#C0GENERAL|general>",
    "<!channel>",
    "<https://example.com|link>",
    "*bold* _it_ `code` ```block```",
    "&amp; &lt; &gt;",
    "sev1",
    "sev9",
    "SEV2",
    "service:checkout-api",
    "service:",
    "@olivia",
    "2030-01-08 09:00",
    "tomorrow",
    "'; DROP TABLE incidents; --",
    "%s %d {0} ${x}",
    "{{ 7*7 }} {% if x %}",
    "\x00",
    "\r\n",
    "\t",
    "\u202e\u200b\ufeff",
    "e\u0301\u0301\u0301",
    "🔥🚒",
    "障害が発生しました",
    "Ошибка оплаты",
    "خطأ في الدفع",
    "\u0661\u0662\u0663",  # Arabic-Indic digits
    "\uff11\uff12\uff13",  # fullwidth digits
    "-1",
    "0",
    "99999999999999999999999999",
    "1e308",
    "NaN",
    "null",
    "[]",
    "{}",
)
_HUGE_LENGTHS = (151, 3_001, 40_001)
_INTS = (0, -1, 1, 2, 3, 2**31, 2**63, 10**30, -(10**30))
_WRONG_TYPES: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    10**30,
    1.5,
    float("inf"),
    "",
    "x",
    [],
    [1, "a"],
    {},
    {"nested": {"deeper": []}},
)


def text(rnd: random.Random, max_parts: int = 4) -> str:
    """A short string of hostile fragments, sometimes a very long one."""
    if rnd.random() < 0.05:
        return rnd.choice("Ab é🔥\x00") * rnd.choice(_HUGE_LENGTHS)
    parts = [rnd.choice(_FRAGMENTS) for _ in range(rnd.randint(1, max_parts))]
    return " ".join(parts)


def number(rnd: random.Random, known: list[int]) -> int:
    """A known id most of the time, else an edge of the integer range."""
    if known and rnd.random() < 0.6:
        return rnd.choice(known)
    return rnd.choice(_INTS)


def number_text(rnd: random.Random, known: list[int]) -> str:
    """What a button value holding an id may say."""
    roll = rnd.random()
    if roll < 0.6:
        return str(number(rnd, known))
    if roll < 0.8:
        return rnd.choice(["", " 1", "1.5", "0x10", "\u0661", "abc", "1:2", "-0"])
    return text(rnd, 2)


def wrong(rnd: random.Random) -> Any:
    """A value of a type nobody expects there."""
    value = rnd.choice(_WRONG_TYPES)
    return copy.deepcopy(value)


def mutate(rnd: random.Random, payload: dict[str, Any], times: int) -> dict[str, Any]:
    """``payload`` with ``times`` random changes: a key dropped, a value of the wrong type,
    a string made hostile. Nested dicts and lists are reached too."""
    mutated = copy.deepcopy(payload)
    for _ in range(times):
        _mutate_once(rnd, mutated)
    return mutated


def _mutate_once(rnd: random.Random, payload: dict[str, Any]) -> None:
    container, key = _pick_slot(rnd, payload)
    if container is None:
        return
    roll = rnd.random()
    if roll < 0.35 and isinstance(container, dict):
        del container[key]
    elif roll < 0.75:
        container[key] = wrong(rnd)
    else:
        container[key] = text(rnd)


def _pick_slot(rnd: random.Random, payload: dict[str, Any]) -> tuple[Any, Any]:
    """A random (container, key) somewhere inside ``payload``."""
    node: Any = payload
    for _ in range(rnd.randint(1, 5)):
        keys: list[Any]
        if isinstance(node, dict) and node:
            keys = list(node)
        elif isinstance(node, list) and node:
            keys = list(range(len(node)))
        else:
            break
        key = rnd.choice(keys)
        child = node[key]
        if not isinstance(child, dict | list) or not child or rnd.random() < 0.3:
            return node, key
        node = child
    if isinstance(node, dict) and node:
        return node, rnd.choice(list(node))
    if isinstance(node, list) and node:
        return node, rnd.randrange(len(node))
    return None, None
