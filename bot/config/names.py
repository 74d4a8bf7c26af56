"""Names of schedules, policies and services: typed in Slack commands, so short slugs, unique."""

from __future__ import annotations

import re
from typing import Any

from bot.config.report import Item, Report

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def unique_name(item: Item[Any], kind: str, seen: dict[str, int | None], report: Report) -> bool:
    """Check ``item.model.name``; True when it is a usable, not yet seen name."""
    name: str = item.model.name
    if not SLUG.match(name):
        report.add(
            item,
            ("name",),
            f"{kind} name {name!r} is not a slug",
            "use lower-case letters, digits, '-' and '_' (it is typed in Slack commands), "
            f"e.g. {re.sub(r'[^a-z0-9_-]+', '-', name.lower()).strip('-') or 'payments'}",
        )
        return False
    if name in seen:
        report.add(
            item,
            ("name",),
            f"duplicate {kind} name {name!r}",
            f"names must be unique; the first {kind} with this name is at line {seen[name]}",
        )
        return False
    seen[name] = item.line()
    return True
