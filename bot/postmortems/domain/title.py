"""The title section (the text before the first ``## `` heading) edited as a field.

The title is the ``# `` line a template starts with; the rest of the section is metadata. People
edit the title as a plain one-line field and the metadata as text, so an edit can never add a
second ``# `` heading (an edit of the whole section with its heading once published two).
"""

from __future__ import annotations

import re

_H1 = re.compile(r"^#[ \t]+(?P<title>.*?)[ \t#]*$")


def split_title(body: str) -> tuple[str, str]:
    """``(title, metadata)``: the first ``# `` line's text, and the body without that line."""
    lines = body.splitlines(keepends=True)
    for index, line in enumerate(lines):
        match = _H1.match(line.rstrip("\r\n"))
        if match is not None:
            return match["title"], "".join(lines[:index] + lines[index + 1 :])
        if line.strip():
            break  # text before any heading: the section has no title line
    return "", body


def plain_title(text: str) -> str:
    """A title as typed, on one line, without Markdown heading marks."""
    one_line = " ".join(text.split())
    return one_line.lstrip("#").strip()


def headings_in(metadata: str) -> list[str]:
    """``# `` lines in the metadata text (refused: the title has its own field)."""
    return [line for line in metadata.splitlines() if _H1.match(line)]


def with_title(title: str, metadata: str) -> str:
    """The section body: ``# <title>`` then the metadata, separated by one blank line."""
    rest = metadata.strip("\n")
    head = f"# {title}\n" if title else ""
    if not rest:
        return head
    return f"{head}\n{rest}\n" if head else f"{rest}\n"
