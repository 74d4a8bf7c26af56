"""Three-way merge of post-mortem drafts, section by section, so a re-draft keeps human edits.

``base`` is the previous generated draft, ``human`` the reviewed text built on it, ``generated``
the new draft rendered from the grown timeline. Per section:

- untouched by humans: the new generated text;
- changed by humans, not by the generator: the human text;
- changed by both: a line-level three-way merge (diff3 over ``difflib`` matches); where both
  changed the same lines, the section keeps both sides between conflict markers and the merge
  reports a ``Conflict``. Nothing is dropped silently: a section a human deleted while the
  generator changed it comes back with markers, and a human section the generator no longer
  produces is kept.

Two properties hold (and are tested): with no human change the result is the generated text;
with no generator change it is the human text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from bot.postmortems.domain.sections import Section, by_id

HUMAN_MARK = "<<<<<<< reviewed version\n"
BASE_MARK = "||||||| previous draft\n"
SPLIT_MARK = "=======\n"
GENERATED_MARK = ">>>>>>> new draft\n"
DELETED_NOTE = "(a reviewer deleted this section; the new draft changed it)\n"


@dataclass(frozen=True)
class Conflict:
    """A section both sides changed in overlapping lines; texts are the section bodies."""

    section: str
    base: str
    human: str
    generated: str


@dataclass(frozen=True)
class Merged:
    sections: list[Section]
    conflicts: list[Conflict]


def merge(
    base: Sequence[Section], human: Sequence[Section], generated: Sequence[Section]
) -> Merged:
    b, h, g = by_id(base), by_id(human), by_id(generated)
    sections: list[Section] = []
    conflicts: list[Conflict] = []
    for section_id in _order(base, human, generated):
        merged, conflict = _merge_section(b.get(section_id), h.get(section_id), g.get(section_id))
        if merged is not None:
            sections.append(merged)
        if conflict is not None:
            conflicts.append(conflict)
    return Merged(sections, conflicts)


def _order(
    base: Sequence[Section], human: Sequence[Section], generated: Sequence[Section]
) -> list[str]:
    """The human order when the generator kept the previous order, else the generated one;
    ids only the other side has are placed after their predecessor on that side."""
    base_ids, human_ids, generated_ids = ([s.id for s in x] for x in (base, human, generated))
    if generated_ids == base_ids:
        primary, secondary = human_ids, generated_ids
    else:
        primary, secondary = generated_ids, human_ids
    order = list(primary)
    for index, section_id in enumerate(secondary):
        if section_id in order:
            continue
        before = next((p for p in reversed(secondary[:index]) if p in order), None)
        order.insert(order.index(before) + 1 if before is not None else 0, section_id)
    # Sections only the base had were deleted on both sides: nothing to place.
    return order


def _merge_section(
    base: Section | None, human: Section | None, generated: Section | None
) -> tuple[Section | None, Conflict | None]:
    if human == base:
        return generated, None
    if generated in (base, human):
        return human, None
    if generated is None:
        return human, None  # the template no longer has it; the human text stays
    if human is None:
        assert base is not None  # human deleted what the base had (else human == base)
        return _deleted_but_changed(base, generated)
    heading = human.heading
    base_body = base.body if base is not None else ""
    body, clashed = merge_lines(base_body, human.body, generated.body)
    conflict = Conflict(human.id, base_body, human.body, generated.body) if clashed else None
    return Section(human.id, heading, body), conflict


def _deleted_but_changed(base: Section, generated: Section) -> tuple[Section, Conflict]:
    body = (
        HUMAN_MARK
        + DELETED_NOTE
        + BASE_MARK
        + _ended(base.body)
        + SPLIT_MARK
        + _ended(generated.body)
        + GENERATED_MARK
    )
    return Section(generated.id, generated.heading, body), Conflict(
        generated.id, base.body, "", generated.body
    )


def merge_lines(base: str, human: str, generated: str) -> tuple[str, bool]:
    """diff3 over lines: ``(merged text, whether any chunk conflicted)``."""
    b, h, g = (text.splitlines(keepends=True) for text in (base, human, generated))
    out: list[str] = []
    clashed = False
    for base_chunk, human_chunk, generated_chunk in _chunks(b, h, g):
        if human_chunk in (base_chunk, generated_chunk):
            out.extend(generated_chunk)
        elif generated_chunk == base_chunk:
            out.extend(human_chunk)
        else:
            clashed = True
            out.append(HUMAN_MARK)
            out.append(_ended("".join(human_chunk)))
            out.append(BASE_MARK)
            out.append(_ended("".join(base_chunk)))
            out.append(SPLIT_MARK)
            out.append(_ended("".join(generated_chunk)))
            out.append(GENERATED_MARK)
    return "".join(out), clashed


Chunk = tuple[list[str], list[str], list[str]]


def _chunks(base: list[str], human: list[str], generated: list[str]) -> list[Chunk]:
    """Alternating stable (equal on all sides) and unstable chunks, in order."""
    to_human, to_generated = _matches(base, human), _matches(base, generated)
    chunks: list[Chunk] = []
    i = j = k = 0
    while True:
        anchor = next(
            (
                n
                for n in range(i, len(base))
                if n in to_human and n in to_generated and to_human[n] >= j and to_generated[n] >= k
            ),
            None,
        )
        if anchor is None:
            chunks.append((base[i:], human[j:], generated[k:]))
            return [c for c in chunks if any(c)]
        hj, gk = to_human[anchor], to_generated[anchor]
        if (anchor, hj, gk) != (i, j, k):
            chunks.append((base[i:anchor], human[j:hj], generated[k:gk]))
        chunks.append(([base[anchor]], [human[hj]], [generated[gk]]))
        i, j, k = anchor + 1, hj + 1, gk + 1


def _matches(a: list[str], b: list[str]) -> dict[int, int]:
    """Line ``i`` of ``a`` -> line of ``b`` it matches (monotonic, from ``SequenceMatcher``)."""
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return {
        block.a + offset: block.b + offset
        for block in matcher.get_matching_blocks()
        for offset in range(block.size)
    }


def _ended(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"
