"""A post-mortem as a list of sections, split on level-2 headings (``## ``).

Sections are the unit of human editing and of the three-way merge. A section's ``id`` is the
slug of its heading (``## Action items`` -> ``action-items``); a repeated heading gets a suffix
(``notes-2``). The text before the first heading (the title and metadata) is the section
``title`` with an empty heading. ``join(split(text)) == text`` for any text whose headings end
with a newline, so splitting and joining never alters a draft.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

TITLE = "title"
# Sections an edit may not empty: without them a post-mortem says nothing.
REQUIRED_SECTIONS: frozenset[str] = frozenset({"summary", "impact", "timeline", "action-items"})

_HEADING = re.compile(r"^## (?P<heading>.*?)[ \t]*$")
_FENCE = re.compile(r"^(```|~~~)")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Section:
    id: str
    heading: str
    body: str


def slug(heading: str) -> str:
    """``What went well?`` -> ``what-went-well``; an empty or symbol-only heading -> ``section``."""
    return _NOT_SLUG.sub("-", heading.lower()).strip("-") or "section"


def split(markdown: str) -> list[Section]:
    """Sections in document order; headings inside fenced code blocks are body text."""
    return [section for _, section in located(markdown)]


def located(markdown: str) -> list[tuple[int, Section]]:
    """``(offset of the section's first character, section)`` in document order."""
    found: list[tuple[int, Section]] = []
    heading: str | None = None
    start = offset = 0
    body: list[str] = []
    in_fence = False
    for line in markdown.splitlines(keepends=True):
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line.rstrip("\r\n"))
        if match is None:
            body.append(line)
        else:
            found.append((start, _section(found, heading, "".join(body))))
            heading, body, start = match["heading"], [], offset
        offset += len(line)
    found.append((start, _section(found, heading, "".join(body))))
    return found


def _section(earlier: list[tuple[int, Section]], heading: str | None, body: str) -> Section:
    if heading is None:
        return Section(TITLE, "", body)
    base = slug(heading)
    taken = {s.id for _, s in earlier}
    unique, n = base, 1
    while unique in taken or unique == TITLE:
        n += 1
        unique = f"{base}-{n}"
    return Section(unique, heading, body)


def join(sections: Sequence[Section]) -> str:
    """The Markdown text of ``sections``; the ``title`` section is written without a heading."""
    return "".join(
        s.body if s.id == TITLE and not s.heading else f"## {s.heading}\n{s.body}" for s in sections
    )


def by_id(sections: Sequence[Section]) -> dict[str, Section]:
    return {s.id: s for s in sections}


def emptied_required(before: Sequence[Section], after: Sequence[Section]) -> list[str]:
    """Required sections that had text in ``before`` and are missing or blank in ``after``."""
    now = by_id(after)
    return [
        s.id
        for s in before
        if s.id in REQUIRED_SECTIONS
        and s.body.strip()
        and (s.id not in now or not now[s.id].body.strip())
    ]
