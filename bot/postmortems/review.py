"""The review rules of a post-mortem, as pure functions over its versions and reviews.

Who may approve: a version's **authors** are whoever requested the draft or re-draft it comes from
and whoever edited it since (walking back from the version through human edits to the nearest
generated or merged version, which counts too). Nobody may approve a version they authored, so
"the author alone" can never approve, and an edit makes its editor an author of the new version.

What counts: approvals are per version and per **review round**. A change request on a version
starts a new round: approvals given before it no longer count, and approvers must look again. A
new version (an edit or a re-draft) starts from zero approvals.

Conflicts: a re-draft's three-way merge leaves conflict markers in a section both sides changed.
The conflict stays open while the section still carries the markers; editing them away resolves
it. A version with open conflicts cannot be approved (its Markdown would be published with them).

Edits: an edit names the version its author opened. It is stale when the section changed since
(``StaleEdit``, with the current text); a section nobody touched since takes the edit on top of
the current version. Every refused edit (``EditRefused``) carries the typed text back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.postmortems.domain.merge import GENERATED_MARK, HUMAN_MARK, Conflict
from bot.postmortems.domain.sections import TITLE, Section, join

GENERATED = "generated"
HUMAN = "human"
MERGED = "merged"

APPROVED = "approved"
CHANGES_REQUESTED = "changes_requested"

# Review states of the post-mortem as a whole.
DRAFT = "draft"
PUBLISHED = "published"
STATE_LABELS = {
    DRAFT: "In review",
    CHANGES_REQUESTED: "Changes requested",
    APPROVED: "Approved",
    PUBLISHED: "Published",
}
_MARKERS = (HUMAN_MARK, GENERATED_MARK)


class PostmortemRefused(ValueError):
    """A review action refused, worded for the person who asked."""


@dataclass(frozen=True)
class Version:
    """One immutable version; ``change`` says in a few words what made it."""

    number: int
    kind: str
    sections: tuple[Section, ...]
    author: str
    change: str
    created_at: datetime
    based_on: int | None = None
    merge_base: int | None = None
    conflicts: tuple[Conflict, ...] = ()

    @property
    def markdown(self) -> str:
        return join(self.sections)

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)


@dataclass(frozen=True)
class Review:
    version: int
    reviewer: str
    verdict: str  # APPROVED | CHANGES_REQUESTED
    note: str  # a change request's note; an approval's reason when it overrode findings
    at: datetime
    overrode: tuple[str, ...] = ()  # approved anyway: the sentences the check flagged


def authors(versions: Sequence[Version], number: int) -> list[str]:
    """The authors of version ``number`` (see the module docstring), in order of authorship."""
    by_number = {v.number: v for v in versions}
    found: list[str] = []
    current = by_number.get(number)
    while current is not None:
        if current.author not in found:
            found.insert(0, current.author)
        if current.kind != HUMAN:
            break
        current = by_number.get(current.number - 1)
    return found


def review_round(reviews: Sequence[Review], version: int) -> int:
    """How many change requests version ``version`` has had: each starts a new round."""
    return sum(1 for r in reviews if r.version == version and r.verdict == CHANGES_REQUESTED)


def approvers(reviews: Sequence[Review], version: int, excluded: Sequence[str]) -> list[str]:
    """Distinct reviewers whose approval of ``version`` counts: given in the current round, by
    someone not in ``excluded`` (the version's authors), in the order they approved."""
    counted: list[str] = []
    for review in reviews:
        if review.version != version:
            continue
        if review.verdict == CHANGES_REQUESTED:
            counted = []
        elif review.reviewer not in excluded and review.reviewer not in counted:
            counted.append(review.reviewer)
    return counted


def open_conflicts(versions: Sequence[Version], number: int) -> list[Conflict]:
    """Conflicts of the latest merge up to version ``number`` whose markers are still there."""
    current = next((v for v in versions if v.number == number), None)
    if current is None:
        return []
    merged = [v for v in versions if v.kind == MERGED and v.number <= number]
    if not merged:
        return []
    still: list[Conflict] = []
    for conflict in merged[-1].conflicts:
        section = current.section(conflict.section)
        if section is not None and has_markers(section.body):
            still.append(conflict)
    return still


def has_markers(text: str) -> bool:
    lines = set(text.splitlines(keepends=True))
    return any(marker in lines for marker in _MARKERS)


def latest_generated(versions: Sequence[Version]) -> Version | None:
    generated = [v for v in versions if v.kind == GENERATED]
    return max(generated, key=lambda v: v.number) if generated else None


def changed_since(
    versions: Sequence[Version], section_id: str, since: int, number: int
) -> list[Version]:
    """Versions in the lineage of ``number`` after ``since`` that changed section ``section_id``,
    oldest first. A merge's parent is its human side; any other version's is the one before."""
    by_number = {v.number: v for v in versions}
    changed: list[Version] = []
    current = by_number.get(number)
    while current is not None and current.number > since:
        parent = by_number.get(
            current.based_on if current.kind == MERGED and current.based_on else current.number - 1
        )
        if parent is not None and current.section(section_id) != parent.section(section_id):
            changed.insert(0, current)
        current = parent
    return changed


class EditRefused(PostmortemRefused):
    """An edit that was not saved; ``text`` is what its author typed, to hand back to them."""

    def __init__(self, message: str, text: str) -> None:
        super().__init__(message)
        self.text = text


class StaleEdit(EditRefused):
    """The section changed after the editor opened it: ``current`` is its text in ``version``."""

    def __init__(self, message: str, text: str, version: int, current: str) -> None:
        super().__init__(message, text)
        self.version = version
        self.current = current


def reshape(text: str, like: str) -> str:
    """``text`` from a form, with the blank lines around it that ``like`` (the section body it
    replaces) had, so an edit changes only what the person changed."""
    lines = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n"))
    core = lines.strip("\n")
    lead = like[: len(like) - len(like.lstrip("\n"))]
    trail = like[len(like.rstrip("\n")) :] or "\n"
    return f"{lead}{core}{trail}" if core else trail


def editable_section(
    versions: Sequence[Version], current: Version, section_id: str, text: str, based_on: int
) -> Section:
    """The current section to replace, unless the edit is stale or aims at nothing."""
    section = current.section(section_id)
    if section is None:
        raise EditRefused(
            f"Version {current.number} has no section `{section_id}` any more (a re-draft "
            "changed the sections). Copy your text into another section.",
            text,
        )
    opened = next((v for v in versions if v.number == based_on), None)
    if opened is None:
        raise EditRefused(f"There is no version {based_on} to edit; open the editor again.", text)
    if based_on != current.number and opened.section(section_id) != section:
        changed = changed_since(versions, section_id, based_on, current.number)
        by = ", ".join(dict.fromkeys(f"<@{v.author}>" for v in changed)) or "someone"
        raise StaleEdit(
            f"{section_name(section)} was changed by {by} (now version {current.number}) after you "
            f"opened version {based_on}, so your edit was not saved over theirs. Your text is "
            "kept below: merge it with the current text and save again.",
            text,
            current.number,
            section.body,
        )
    return section


def check_approval(
    current: Version,
    version: int,
    reviewer: str,
    written_by: Sequence[str],
    versions: Sequence[Version],
    required: int,
) -> None:
    """Refuses an approval of a version that is not current, by an author, or with conflicts."""
    if version != current.number:
        raise PostmortemRefused(
            f"Version {current.number} ({current.change} by <@{current.author}>) was made after "
            f"version {version}, the one you saw: review it, then approve it."
        )
    if reviewer in written_by:
        people = ", ".join(f"<@{a}>" for a in written_by)
        others = "another channel member" if required == 1 else f"{required} other members"
        raise PostmortemRefused(
            f"You cannot approve a version you wrote: {people} requested or edited version "
            f"{current.number}. Approval needs {others}; ask a reviewer to approve it."
        )
    conflicts = open_conflicts(versions, current.number)
    if conflicts:
        names = ", ".join(section_name_in(current, c.section) for c in conflicts)
        raise PostmortemRefused(
            f"Version {current.number} still has re-draft conflicts in {names}: edit the "
            "section, keep the lines you want and remove the <<<<<<< ======= >>>>>>> markers, "
            "then approve."
        )


def already_approved(version: int, missing: int) -> str:
    still = (
        "it has the approvals it needs."
        if missing <= 0
        else f"it needs {missing} more approval{'s' if missing > 1 else ''} from others."
    )
    return f"You already approved version {version}; {still}"


def section_name(section: Section) -> str:
    """How messages name a section, in Slack's bold."""
    return f"*{plain_name(section)}*"


def plain_name(section: Section) -> str:
    return section.heading if section.id != TITLE else "the title and metadata"


def label(section: Section) -> str:
    """A section's name as a heading or a list entry: ``Impact``, ``The title and metadata``."""
    name = plain_name(section)
    return name[:1].upper() + name[1:]


def section_name_in(version: Version, section_id: str) -> str:
    section = version.section(section_id)
    return section_name(section) if section is not None else f"`{section_id}`"
