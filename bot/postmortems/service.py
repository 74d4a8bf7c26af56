"""Post-mortem use cases: draft and re-draft, edit a section, request changes, approve.

One transaction per use case writes the new version or review, its timeline event and the timers
that carry the side effects (``postmortem_effects``: the summary message, the offer on resolve;
``postmortem_exports``: the file and the webhook). The review rules are in ``postmortem_review``.

Re-drafting never loses a human edit: the new draft is stored as a ``generated`` version, then
merged section by section with the current version over the previous generated one (the merge
base); the ``merged`` result becomes current and its conflicts are kept for reviewers. A re-draft
keeps the template the draft started with, so the sections line up for the merge.

An edit names the version its author opened. If the section changed since, the edit is refused
(``StaleEdit``); if only other sections changed, it is applied on top of the current version.
Every refused edit carries the edited text back, so nothing typed is lost. Any new version starts
with no approvals, and the post-mortem goes back to review.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from bot.incidents import repo as incident_repo
from bot.incidents.domain.events import PostmortemDrafted, PostmortemReviewed
from bot.incidents.domain.incident import Incident
from bot.incidents.domain.lifecycle import Status
from bot.incidents.domain.timeline import TimelineEvent
from bot.incidents.service import IncidentView
from bot.kernel.timers import store as timers
from bot.postmortems import store
from bot.postmortems.domain import gates
from bot.postmortems.domain.blameless import Finding
from bot.postmortems.domain.gates import Blocker, Waiver
from bot.postmortems.domain.merge import Conflict, merge
from bot.postmortems.domain.sections import TITLE, Section, emptied_required, join, split
from bot.postmortems.domain.title import headings_in, plain_title, split_title, with_title
from bot.postmortems.exports import PostmortemExports
from bot.postmortems.review import (
    APPROVED,
    CHANGES_REQUESTED,
    DRAFT,
    GENERATED,
    HUMAN,
    MERGED,
    PUBLISHED,
    EditRefused,
    PostmortemRefused,
    Review,
    Version,
    already_approved,
    approvers,
    authors,
    check_approval,
    editable_section,
    latest_generated,
    open_conflicts,
    plain_name,
    reshape,
    review_round,
    section_name,
    section_name_in,
)
from bot.postmortems.rows import PostmortemRow
from bot.postmortems.store import Export
from bot.postmortems.timers import OFFER, offer_key, refresh

VERDICT_WORDS = {APPROVED: "approved", CHANGES_REQUESTED: "requested changes on"}


class ApprovalBlocked(PostmortemRefused):
    """An approval refused because of ``blockers`` (see ``gates``); nothing was saved."""

    def __init__(self, message: str, blockers: Sequence[Blocker]) -> None:
        super().__init__(message)
        self.blockers = tuple(blockers)


class DraftFailed(Exception):
    """The draft could not be rendered (a template error); nothing was stored."""


@dataclass(frozen=True)
class Draft:
    template: str
    markdown: str


class Drafter(Protocol):
    """Renders the draft of incident ``incident`` with ``template`` (None: the configured choice
    for its severity and service); raises ``DraftFailed`` with a message for the channel."""

    def __call__(self, incident: int, template: str | None) -> Draft: ...


# The blameless check of a post-mortem's Markdown, knowing who took part in the incident.
Checker = Callable[[IncidentView, str], list[Finding]]


class IncidentLookup(Protocol):
    """The part of ``IncidentService`` the post-mortems read."""

    def view(self, channel_id: str) -> IncidentView: ...

    def view_by_number(self, number: int) -> IncidentView | None: ...


@dataclass(frozen=True)
class Drafted:
    version: int
    created: bool  # False: the timeline had nothing new, so the draft is unchanged
    conflicts: tuple[Conflict, ...] = ()


@dataclass(frozen=True)
class Edited:
    version: int
    section: str  # the edited section's heading, as people read it
    approvals_reset: int  # approvals the previous version had, which no longer count
    rebased: bool  # made from an older version whose section nobody had changed since
    findings: tuple[Finding, ...]  # blameless-check findings in the edited section


@dataclass(frozen=True)
class Approved:
    version: int
    approvals: int
    required: int
    state: str
    retried: bool = False  # the approval retried publishing after a failed export
    anyway: bool = False  # given despite blameless findings, with the approver's reason


@dataclass(frozen=True)
class PostmortemView:
    """Everything the summary message and the web page show."""

    incident: Incident
    channel_id: str | None
    state: str
    template: str
    versions: tuple[Version, ...]
    current: Version
    reviews: tuple[Review, ...]
    authors: tuple[str, ...]
    approvers: tuple[str, ...]
    required: int
    findings: tuple[Finding, ...]
    conflicts: tuple[Conflict, ...]
    exports: tuple[Export, ...]
    summary_ts: str | None
    created_at: datetime
    waivers: Mapping[str, Waiver] = field(default_factory=dict)
    required_sections: frozenset[str] = frozenset()

    @property
    def blockers(self) -> list[Blocker]:
        """What blocks approving the current version (findings count only when checked)."""
        return gates.blockers(
            self.current.sections,
            len(self.findings),
            self.required_sections,
            self.waivers,
            [c.section for c in self.conflicts],
        )

    @property
    def needed(self) -> int:
        return max(self.required - len(self.approvers), 0)

    @property
    def change_request(self) -> Review | None:
        """The change request behind the ``changes_requested`` state, if that is the state."""
        if self.state != CHANGES_REQUESTED:
            return None
        return next((r for r in reversed(self.reviews) if r.verdict == CHANGES_REQUESTED), None)

    def version(self, number: int) -> Version | None:
        return next((v for v in self.versions if v.number == number), None)


class PostmortemService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        wake: Callable[[], None],
        incidents: IncidentLookup,
        drafter: Drafter,
        checker: Checker,
        exports: PostmortemExports,
        reviewers_required: int,
        required_sections: Callable[[str], frozenset[str]] = lambda _: gates.DEFAULT_REQUIRED,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._wake = wake
        self._incidents = incidents
        self._drafter = drafter
        self._checker = checker
        self._exports = exports
        self.reviewers_required = reviewers_required
        self._required = required_sections

    def incident_in(self, channel_id: str) -> int:
        """The number of the incident whose channel this is (``NotAnIncidentChannel`` if none)."""
        return self._incidents.view(channel_id).incident.number

    def view(self, number: int, *, check: bool = True) -> PostmortemView | None:
        """The post-mortem of incident ``number``, if drafted; ``check=False`` skips the
        blameless check (``findings`` empty) where there is no time for it (opening a modal)."""
        incident = self._incidents.view_by_number(number)
        if incident is None:
            return None
        with self._sessions() as session:
            row = store.postmortem(session, number)
            if row is None:
                return None
            versions = store.versions(session, row.id)
            reviews = store.reviews(session, row.id)
            exports = store.exports(session, row.id, row.current_version)
            waivers = store.waivers(row)
        current = _current(versions, row)
        written_by = authors(versions, current.number)
        return PostmortemView(
            incident=incident.incident,
            channel_id=incident.channel_id,
            state=row.state,
            template=row.template,
            versions=tuple(versions),
            current=current,
            reviews=tuple(reviews),
            authors=tuple(written_by),
            approvers=tuple(approvers(reviews, current.number, written_by)),
            required=self.reviewers_required,
            findings=tuple(self._checker(incident, current.markdown) if check else ()),
            conflicts=tuple(open_conflicts(versions, current.number)),
            exports=tuple(exports),
            summary_ts=row.summary_ts,
            created_at=row.created_at,
            waivers=waivers,
            required_sections=self._required(row.template),
        )

    # -- drafting -----------------------------------------------------------------------------

    def draft(self, number: int, requested_by: str) -> Drafted:
        """Draft, or re-draft keeping every human edit. ``DraftFailed``: nothing was stored."""
        with self._sessions() as session:
            row = store.postmortem(session, number)
            template = row.template if row is not None else None
        rendered = self._drafter(number, template)
        sections = tuple(split(rendered.markdown))
        drafted = store.retrying(lambda: self._record(number, requested_by, rendered, sections))
        self._wake()
        return drafted

    def _record(
        self, number: int, requested_by: str, rendered: Draft, sections: tuple[Section, ...]
    ) -> Drafted:
        now = self._clock()
        with self._sessions.begin() as session:
            row = store.postmortem(session, number)
            if row is None:
                row = PostmortemRow(
                    incident_id=number,
                    state=DRAFT,
                    template=rendered.template,
                    current_version=1,
                    created_at=now,
                    updated_at=now,
                )
                session.add(row)
                session.flush()
                change = "drafted from the timeline"
                store.add_version(
                    session, row.id, Version(1, GENERATED, sections, requested_by, change, now)
                )
                drafted = Drafted(1, created=True)
            else:
                drafted = self._redraft(session, row, requested_by, sections, now)
                if not drafted.created:
                    return drafted
            row.state, row.updated_at = DRAFT, now
            payload = PostmortemDrafted(drafted.version, row.template)
            event = TimelineEvent(now, requested_by, payload)
            incident_repo.append(session, number, [event], now)
            refresh(session, number, now)
        return drafted

    def _redraft(
        self,
        session: Session,
        row: PostmortemRow,
        requested_by: str,
        sections: tuple[Section, ...],
        now: datetime,
    ) -> Drafted:
        versions = store.versions(session, row.id)
        base = latest_generated(versions)
        current = _current(versions, row)
        if base is not None and base.sections == sections:
            return Drafted(current.number, created=False)
        # The current version is always the newest one (a merge sits above its generated side).
        number = current.number + 1
        change = "re-drafted from the timeline"
        generated = Version(number, GENERATED, sections, requested_by, change, now)
        store.add_version(session, row.id, generated)
        row.current_version = number
        if base is None or current.number == base.number:
            return Drafted(number, created=True)
        merged = merge(base.sections, current.sections, sections)
        result = Version(
            number + 1,
            MERGED,
            tuple(merged.sections),
            requested_by,
            f"merged the new draft (version {number}) with the edits in version {current.number}",
            now,
            based_on=current.number,
            merge_base=base.number,
            conflicts=tuple(merged.conflicts),
        )
        store.add_version(session, row.id, result)
        row.current_version = result.number
        return Drafted(result.number, created=True, conflicts=result.conflicts)

    # -- editing ------------------------------------------------------------------------------

    def edit(
        self,
        number: int,
        section_id: str,
        text: str,
        based_on: int,
        editor: str,
        title: str | None = None,
    ) -> Edited:
        """Save ``text`` as the body of ``section_id`` in a new version by ``editor``.

        The text replaces the section's prompt (``gates.answered``). For the title section,
        ``text`` is the metadata and ``title`` the title (None: unchanged); a ``# `` line in the
        text is refused, so the published post-mortem never gets a second title.

        Refused with ``EditRefused`` (the text handed back): an emptied required section, a
        section that no longer exists, no change at all; ``StaleEdit`` when the section changed
        after version ``based_on``, the one the editor opened.
        """
        edited, section = store.retrying(
            lambda: self._edit(number, section_id, text, based_on, editor, title)
        )
        self._wake()
        incident = self._incidents.view_by_number(number)
        # Only the edited section: the check of a whole long draft would not fit in the time
        # Slack gives a modal submission.
        found = self._checker(incident, join([section])) if incident is not None else []
        return replace(edited, findings=tuple(found))

    def _edit(
        self,
        number: int,
        section_id: str,
        text: str,
        based_on: int,
        editor: str,
        title: str | None,
    ) -> tuple[Edited, Section]:
        now = self._clock()
        with self._sessions.begin() as session:
            row = store.existing(session, number)
            versions = store.versions(session, row.id)
            current = _current(versions, row)
            section = editable_section(versions, current, section_id, text, based_on)
            body = _new_body(section, text, title)
            if body == section.body or _same_answer(body, section):
                raise EditRefused(
                    f"Nothing changed in {section_name(section)}: nothing to save.", text
                )
            sections = tuple(
                Section(s.id, s.heading, body) if s.id == section_id else s
                for s in current.sections
            )
            if emptied_required(current.sections, sections):
                raise EditRefused(
                    f"{section_name(section)} is a required section and cannot be empty: a "
                    "post-mortem without it says nothing. Write at least one sentence (for "
                    'example "No customer impact.") and save again.',
                    text,
                )
            lost = approvers(
                store.reviews(session, row.id), current.number, authors(versions, current.number)
            )
            change = f"edited {plain_name(section)}"
            new = Version(
                current.number + 1, HUMAN, sections, editor, change, now, based_on=based_on
            )
            store.add_version(session, row.id, new)
            row.current_version, row.state, row.updated_at = new.number, DRAFT, now
            refresh(session, number, now)
        rebased = based_on != current.number
        edited = Edited(new.number, plain_name(section), len(lost), rebased, ())
        return edited, Section(section.id, section.heading, body)

    # -- reviewing ----------------------------------------------------------------------------

    def request_changes(self, number: int, reviewer: str, note: str) -> int:
        """Ask for changes on the current version (returned); the note says what to change."""
        if not note.strip():
            raise PostmortemRefused(
                "Say what should change, so the authors know what to edit: the note is empty."
            )
        version = store.retrying(lambda: self._request_changes(number, reviewer, note.strip()))
        self._wake()
        return version

    def _request_changes(self, number: int, reviewer: str, note: str) -> int:
        now = self._clock()
        with self._sessions.begin() as session:
            row = store.existing(session, number)
            review = Review(row.current_version, reviewer, CHANGES_REQUESTED, note, now)
            store.add_review(session, row.id, review)
            row.state, row.updated_at = CHANGES_REQUESTED, now
            _record_review(session, number, review)
            return review.version

    def approve(
        self,
        number: int,
        reviewer: str,
        version: int,
        *,
        anyway: str | None = None,
        waive: Mapping[str, str] | None = None,
    ) -> Approved:
        """Approve ``version``, the one the reviewer saw. Refused with a reason when it is not
        current any more, when the reviewer is one of its authors, when it still has conflicts
        or when they already approved it. The last approval needed schedules the exports.

        The gates (``gates.blockers``): ``waive`` maps unfilled required sections to the reason
        they are left unfilled (blank reasons waive nothing); blameless findings need ``anyway``,
        the approver's reason to approve despite them. Anything still blocking raises
        ``ApprovalBlocked`` and nothing is saved.
        """
        incident = self._incidents.view_by_number(number)
        approved = store.retrying(
            lambda: self._approve(number, reviewer, version, incident, anyway, waive or {})
        )
        self._wake()
        return approved

    def _approve(
        self,
        number: int,
        reviewer: str,
        version: int,
        incident: IncidentView | None,
        anyway: str | None,
        waive: Mapping[str, str],
    ) -> Approved:
        now = self._clock()
        with self._sessions.begin() as session:
            row = store.existing(session, number)
            versions = store.versions(session, row.id)
            reviews = store.reviews(session, row.id)
            current = _current(versions, row)
            written_by = authors(versions, current.number)
            counted = approvers(reviews, current.number, written_by)
            required = self.reviewers_required
            check_approval(current, version, reviewer, written_by, versions, required)
            if reviewer in counted:
                if row.state == APPROVED and self._exports.retry_failed(
                    session, row, current.number, now
                ):
                    row.updated_at = now
                    refresh(session, number, now)
                    return Approved(current.number, len(counted), required, row.state, True)
                raise PostmortemRefused(already_approved(current.number, required - len(counted)))
            findings = self._checker(incident, current.markdown) if incident is not None else []
            self._waive(session, row, current, reviewer, waive, now)
            overrode = self._gate(row, current, findings, anyway)
            note = (anyway or "").strip() if overrode else ""
            review = Review(current.number, reviewer, APPROVED, note, now, overrode)
            key = f"{row.id}:{current.number}:{review_round(reviews, current.number)}:{reviewer}"
            store.add_review(session, row.id, review, approval_key=key)
            counted.append(reviewer)
            row.updated_at = now
            _record_review(session, number, review)
            retried = False
            if len(counted) >= required and row.state not in (APPROVED, PUBLISHED):
                row.state = APPROVED
                self._exports.schedule(session, row, current.number, now)
            elif row.state == APPROVED:
                retried = self._exports.retry_failed(session, row, current.number, now)
            return Approved(
                current.number, len(counted), required, row.state, retried, bool(overrode)
            )

    def _waive(
        self,
        session: Session,
        row: PostmortemRow,
        current: Version,
        reviewer: str,
        waive: Mapping[str, str],
        now: datetime,
    ) -> None:
        """Record the waivers given for unfilled required sections, each on the timeline."""
        wanted = self._required(row.template)
        for section_id, reason in waive.items():
            section = current.section(section_id)
            if section is None or section_id not in wanted or not reason.strip():
                continue
            if gates.filled(section) or section_id in store.waivers(row):
                continue
            store.add_waiver(row, Waiver(section_id, reason.strip(), reviewer), now)
            event = PostmortemReviewed(current.number, f"waived '{section.heading}' in", reason)
            incident_repo.append(
                session, row.incident_id, [TimelineEvent(now, reviewer, event)], now
            )

    def _gate(
        self,
        row: PostmortemRow,
        current: Version,
        findings: Sequence[Finding],
        anyway: str | None,
    ) -> tuple[str, ...]:
        """The sentences approved over (empty when there are none); ``ApprovalBlocked`` when
        a required section is neither filled nor waived, or findings have no reason given."""
        found = gates.blockers(
            current.sections, len(findings), self._required(row.template), store.waivers(row)
        )
        if not found:
            return ()
        missing = [b for b in found if b.kind != gates.FINDINGS]
        if missing:
            names = ", ".join(section_name_in(current, b.section or "") for b in missing)
            raise ApprovalBlocked(
                f"Version {current.number} cannot be approved yet: {gates.said(found)}. Fill "
                f"{names} (Edit section), or waive each with a reason when approving.",
                found,
            )
        if not (anyway or "").strip():
            raise ApprovalBlocked(
                f"Version {current.number} cannot be approved yet: {gates.said(found)}. Reword "
                "the flagged sentences (Edit section), or choose *Approve anyway* and say why "
                "they are not blame.",
                found,
            )
        return tuple(dict.fromkeys(f.sentence for f in findings))

    # -- the offer on resolve -----------------------------------------------------------------

    def offer_on_resolve(
        self, session: Session, number: int, status: Status, now: datetime
    ) -> None:
        """Transition hook: on every resolve (not on mitigate), offer a draft, or a re-draft
        once there is one (a reopened incident has more to tell). The n-th resolve gets the
        n-th key, so a retry of this transaction or another replica cannot offer twice."""
        if status is not Status.RESOLVED:
            return
        resolve = 1
        while timers.get(session, offer_key(number, resolve)) is not None:
            resolve += 1
        payload = {"incident": number, "resolve": resolve}
        timers.schedule(session, offer_key(number, resolve), OFFER, now, payload, now)

    def has_draft(self, number: int) -> bool:
        with self._sessions() as session:
            return store.postmortem(session, number) is not None

    def summary_posted(self, number: int, ts: str) -> None:
        """The summary message is at ``ts``: later changes update it in place."""

        def remember() -> None:
            with self._sessions.begin() as session:
                store.existing(session, number).summary_ts = ts

        store.retrying(remember)


def _current(versions: Sequence[Version], row: PostmortemRow) -> Version:
    return next(v for v in versions if v.number == row.current_version)


def _new_body(section: Section, text: str, title: str | None) -> str:
    """The section's new body from the form: a title edited as a field, prompts answered."""
    if section.id != TITLE:
        return reshape(gates.answered(text, section.body), like=section.body)
    if headings_in(text):
        raise EditRefused(
            "The title has its own field: remove the line starting with `# ` from the text, or "
            "the published post-mortem would have two titles.",
            text,
        )
    old_title, _ = split_title(section.body)
    new_title = plain_title(title) if title is not None else old_title
    if not new_title:
        raise EditRefused("The title cannot be empty: write one in the Title field.", text)
    return reshape(with_title(new_title, text), like=section.body)


def _same_answer(body: str, section: Section) -> bool:
    """Saved as opened: only the prompt would go, which answers nothing (emptying a section
    on purpose is a change)."""
    kept = gates.without_prompts(body).strip()
    return bool(kept) and kept == gates.without_prompts(section.body).strip()


def _verdict(review: Review) -> str:
    if review.overrode:
        count = len(review.overrode)
        plural = "s" if count != 1 else ""
        return f"approved, despite {count} blameless finding{plural},"
    return VERDICT_WORDS[review.verdict]


def _record_review(session: Session, number: int, review: Review) -> None:
    reviewed = PostmortemReviewed(review.version, _verdict(review), review.note)
    event = TimelineEvent(review.at, review.reviewer, reviewed)
    incident_repo.append(session, number, [event], review.at)
    refresh(session, number, review.at)
