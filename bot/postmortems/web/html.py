"""HTML for the review page: a version's sections rendered from Markdown with the blameless-check
findings highlighted in place, and the line diff between two versions.

Markdown goes through markdown-it-py (CommonMark plus tables and strikethrough) with raw HTML
off, so whatever a draft or an edit contains is shown as text, never run; unsafe link schemes
(``javascript:``) are not linked.

Highlighting: the findings' offsets are in the version's Markdown (``join`` of its sections).
Each finding's sentence (without list or quote markers in front) gets two private-use characters
around it before rendering; after rendering they become ``<mark>`` tags. If rendering moved or
dropped a marker, or put one inside a tag (an image's alt text, say), the section is shown
without inline highlights rather than with broken ones; the list below it names every sentence.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt

from bot.postmortems.domain.blameless import Finding
from bot.postmortems.domain.sections import Section, join

_OPEN, _CLOSE = "\ue000", "\ue001"
_IN_TAG = re.compile(f"<[^>]*[{_OPEN}{_CLOSE}]")  # a marker in an attribute (an image's alt)
_BLOCK_PREFIX = re.compile(r"^(?:[-*+]\s+|\d+[.)]\s+|#{1,6}\s+|>\s*)+")
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")


@dataclass(frozen=True)
class Highlight:
    """One finding, numbered across the page (``#finding-<number>``)."""

    number: int
    finding: Finding


@dataclass(frozen=True)
class RenderedSection:
    id: str
    heading: str
    html: str
    highlights: tuple[Highlight, ...]


def _render(text: str) -> str:
    rendered: str = _MARKDOWN.render(text)
    return rendered


def sections_html(
    sections: Sequence[Section], findings: Sequence[Finding]
) -> list[RenderedSection]:
    """Every section rendered, with the findings that fall in it highlighted and numbered."""
    rendered: list[RenderedSection] = []
    offset, number = 0, 0
    markdown = join(sections)
    for section in sections:
        body_start = offset + len(join([section])) - len(section.body)
        body_end = body_start + len(section.body)
        mine = [f for f in findings if body_start <= f.start < body_end]
        highlights = []
        for finding in mine:
            number += 1
            highlights.append(Highlight(number, finding))
        spans = [_sentence_span(markdown, f) for f in mine]
        local = [(start - body_start, min(end, body_end) - body_start) for start, end in spans]
        body_html = _highlighted(section.body, local, [h.number for h in highlights])
        rendered.append(RenderedSection(section.id, section.heading, body_html, tuple(highlights)))
        offset = body_end
    return rendered


def _sentence_span(markdown: str, finding: Finding) -> tuple[int, int]:
    """The finding's sentence in ``markdown`` (markers in front skipped), else its match."""
    sentence = finding.sentence
    window_start = max(0, finding.start - len(sentence))
    found = markdown.find(sentence, window_start, finding.end + len(sentence))
    if found < 0 or not found <= finding.start < found + len(sentence):
        return finding.start, finding.end
    prefix = _BLOCK_PREFIX.match(sentence)
    start = found + (prefix.end() if prefix else 0)
    return (
        (start, found + len(sentence)) if start <= finding.start else (finding.start, finding.end)
    )


def _highlighted(body: str, spans: Sequence[tuple[int, int]], numbers: Sequence[int]) -> str:
    """``body`` rendered, each span in a ``<mark>`` linked to its finding's explanation."""
    clean = body.replace(_OPEN, "").replace(_CLOSE, "")
    merged = _merge(spans, numbers)
    marked = clean
    for (start, end), _ in reversed(merged):
        marked = marked[:start] + _OPEN + marked[start:end] + _CLOSE + marked[end:]
    rendered = _render(marked)
    intact = rendered.count(_OPEN) == len(merged) == rendered.count(_CLOSE)
    if not intact or _IN_TAG.search(rendered):
        return _render(clean)
    for _, group in merged:
        anchor = group[0]
        refs = "<sup>" + ", ".join(f'<a href="#why-{n}">{n}</a>' for n in group) + "</sup>"
        rendered = rendered.replace(
            _OPEN, f'<mark class="finding" id="finding-{anchor}">', 1
        ).replace(_CLOSE, f"</mark>{refs}", 1)
    return rendered


def _merge(
    spans: Sequence[tuple[int, int]], numbers: Sequence[int]
) -> list[tuple[tuple[int, int], list[int]]]:
    """Overlapping spans become one highlight that refers to every finding in it."""
    merged: list[tuple[tuple[int, int], list[int]]] = []
    for (start, end), number in sorted(zip(spans, numbers, strict=True)):
        if merged and start < merged[-1][0][1]:
            (first, last), group = merged[-1]
            merged[-1] = ((first, max(last, end)), [*group, number])
        else:
            merged.append(((start, end), [number]))
    return merged


def diff_html(before: str, after: str, before_name: str, after_name: str) -> str:
    """A unified line diff as ``<pre>``, each line escaped and classed as added/removed/context."""
    lines = difflib.unified_diff(
        before.splitlines(), after.splitlines(), before_name, after_name, lineterm="", n=3
    )
    out = []
    for line in lines:
        kind = "meta"
        if line.startswith("+") and not line.startswith("+++"):
            kind = "add"
        elif line.startswith("-") and not line.startswith("---"):
            kind = "del"
        elif line.startswith(" "):
            kind = "same"
        out.append(f'<span class="{kind}">{html.escape(line)}</span>')
    if not out:
        return '<p class="quiet">No differences.</p>'
    return '<pre class="diff">' + "\n".join(out) + "</pre>"
