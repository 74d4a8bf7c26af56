"""Sentences of a Markdown text, as the blameless check reads them.

A sentence lies within one line and one table cell (cells split at unescaped ``|``), ends at
``.``, ``!`` or ``?`` followed by a space, and is stripped of surrounding spaces; lines inside
fenced code blocks hold none. Lines are split on demand, so a check that only needs the few
lines containing some word never splits the rest of a long document.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from itertools import accumulate

Sentence = tuple[int, str]  # (offset in the text, sentence)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_CELL = re.compile(r"(?<!\\)\|")
_FENCE = re.compile(r"^\s*(```|~~~)")


class SentenceIndex:
    def __init__(self, markdown: str) -> None:
        self._lines = markdown.splitlines(keepends=True)
        self._starts = list(accumulate((len(line) for line in self._lines), initial=0))
        self._prose = _prose_lines(self._lines)
        self._split: dict[int, list[Sentence]] = {}
        self._found: dict[str, set[int]] = {}  # word -> numbers of the lines holding it

    def all(self) -> Iterator[Sentence]:
        for number in range(len(self._lines)):
            yield from self._line(number)

    def prose_lines(self) -> Iterator[tuple[int, str]]:
        """``(number, line)`` of every line outside code fences."""
        for number, line in enumerate(self._lines):
            if self._prose[number]:
                yield number, line

    def line_sentences(self, number: int) -> list[Sentence]:
        """The sentences of line ``number`` (none inside code fences)."""
        return self._line(number)

    def containing(self, folded: str, words: Iterable[str]) -> Iterator[Sentence]:
        """The sentences that contain one of ``words`` (case-folded), found in ``folded``: the
        text case-folded, with the same length."""
        words = tuple(words)
        numbers = set().union(*(self._lines_with(folded, word) for word in words))
        for number in sorted(numbers):
            for start, sentence in self._line(number):
                low = folded[start : start + len(sentence)]
                if any(word in low for word in words):
                    yield start, sentence

    def with_chunks(self, folded: str, groups: Iterable[Iterable[set[str]]]) -> Iterator[Sentence]:
        """The sentences of the lines that, for some group, hold a chunk (a whole
        whitespace-separated piece of ``folded``) from each of the group's sets; of such a line,
        only the sentences holding one of those chunks (a chunk never spans two sentences, nor
        two cells unless it holds a ``|``, when the whole line is read)."""
        found: dict[int, set[str]] = {}
        for group in groups:
            by_line: list[dict[int, set[str]]] = []
            for chunks in group:
                lines: dict[int, set[str]] = {}
                for chunk in chunks:
                    for number in self._lines_with_chunk(folded, chunk):
                        lines.setdefault(number, set()).add(chunk)
                by_line.append(lines)
            if not by_line:
                continue
            for number in set.intersection(*(set(lines) for lines in by_line)):
                held = found.setdefault(number, set())
                for lines in by_line:
                    held |= lines[number]
        for number in sorted(found):
            chunks = found[number]
            whole = any("|" in chunk for chunk in chunks)
            for start, sentence in self._line(number):
                low = folded[start : start + len(sentence)]
                if whole or any(chunk in low for chunk in chunks):
                    yield start, sentence

    def _lines_with_chunk(self, folded: str, chunk: str) -> set[int]:
        # One regex pass: a short chunk ("ran") is a substring of many words ("transaction").
        word = re.escape(chunk)  # the literal first, so the search skips ahead to it
        whole = re.compile(rf"{word}(?!\S)(?<!\S{word})")
        return {bisect_right(self._starts, m.start()) - 1 for m in whole.finditer(folded)}

    def _lines_with(self, folded: str, word: str) -> set[int]:
        if word not in self._found:
            numbers = set()
            at = folded.find(word)
            while at != -1:
                number = bisect_right(self._starts, at) - 1
                numbers.add(number)
                at = folded.find(word, self._starts[number + 1])
            self._found[word] = numbers
        return self._found[word]

    def _line(self, number: int) -> list[Sentence]:
        if number not in self._split:
            prose = self._prose[number]
            line, start = self._lines[number], self._starts[number]
            self._split[number] = list(_line_sentences(line, start)) if prose else []
        return self._split[number]


def _prose_lines(lines: list[str]) -> list[bool]:
    prose, in_fence = [], False
    for line in lines:
        fence = _FENCE.match(line) is not None
        in_fence ^= fence
        prose.append(not fence and not in_fence)
    return prose


def _line_sentences(line: str, offset: int) -> Iterator[Sentence]:
    cell_start = 0
    for cell in _CELL.split(line):
        piece_start = 0
        for piece in _SENTENCE_END.split(cell):
            piece_start = cell.index(piece, piece_start)
            stripped = piece.strip()
            if stripped:
                lead = len(piece) - len(piece.lstrip())
                yield offset + cell_start + piece_start + lead, stripped
            piece_start += len(piece)
        cell_start += len(cell) + 1
