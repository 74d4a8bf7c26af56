"""Publishing an approved post-mortem: to the export folder, and to the webhook when one is set.

Approval schedules one export row and one durable timer per target in its own transaction. The
timer handlers (``bot.postmortems.slack.export_handlers``) ask for the ``ExportJob``, deliver it
and report back; when every target of the approved version has it, the post-mortem is
``published``. An export whose version stopped being the current approved one before it ran (an
edit or a change request came in) is ``superseded`` instead: the next approval exports the newer
version.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bot.incidents import repo as incident_repo
from bot.incidents.domain.incident import Incident
from bot.incidents.domain.naming import channel_name
from bot.kernel.timers import store as timers
from bot.postmortems import store
from bot.postmortems.domain.gates import DEFAULT_REQUIRED
from bot.postmortems.domain.publish import Override, published
from bot.postmortems.followups import FollowupLine, Followups
from bot.postmortems.review import APPROVED, PUBLISHED, Review, Version, approvers, authors
from bot.postmortems.rows import PostmortemExportRow, PostmortemRow
from bot.postmortems.timers import EXPORT_FILE, EXPORT_WEBHOOK, export_key, refresh

FILE = "file"
WEBHOOK = "webhook"
PENDING, DELIVERED, FAILED, SUPERSEDED = "pending", "delivered", "failed", "superseded"
# The file shows the current state, so writing it again is harmless, and needed: a change while
# it was being written plans it again, and that write finishing marks it delivered before the
# next firing reads the change. The webhook announces a publication once.
_DELIVERABLE = {FILE: (PENDING, DELIVERED), WEBHOOK: (PENDING,)}


@dataclass(frozen=True)
class ExportJob:
    """One approved version to deliver to one target."""

    incident: Incident
    channel_id: str | None
    version: Version
    destination: str
    file: Path  # where the file export goes (the webhook document names it)
    approvers: tuple[str, ...]
    authors: tuple[str, ...]
    markdown: str  # as published: prompts dropped, waivers and approvals over findings said


class PostmortemExports:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        wake: Callable[[], None],
        export_dir: Path,
        webhook_url: str | None,
        required_sections: Callable[[str], frozenset[str]] = lambda _: DEFAULT_REQUIRED,
        name: Callable[[str], str] = str,
        followups: Followups | None = None,
    ) -> None:
        self._followups = followups
        self._sessions = sessions
        self._clock = clock
        self._wake = wake
        self._export_dir = export_dir
        self._webhook_url = webhook_url
        self._required = required_sections
        self._name = name

    def path_for(self, incident: Incident) -> Path:
        """``<export folder>/inc-<number>-<slug of the title>.md``."""
        return self._export_dir / f"{channel_name(incident.number, incident.title)}.md"

    def schedule(self, session: Session, row: PostmortemRow, version: int, now: datetime) -> None:
        """In the approving transaction: one export row and timer per configured target."""
        incident_row = incident_repo.by_number(session, row.incident_id)
        assert incident_row is not None  # the post-mortem's foreign key
        targets = [(FILE, EXPORT_FILE, str(self.path_for(incident_repo.to_domain(incident_row))))]
        if self._webhook_url:
            targets.append((WEBHOOK, EXPORT_WEBHOOK, self._webhook_url))
        existing = {e.target: e for e in store.export_rows(session, row.id, version)}
        for target, kind, destination in targets:
            export = existing.get(target)
            if export is None:  # else approved again after a change request: deliver again
                export = PostmortemExportRow(
                    postmortem_id=row.id, version=version, target=target, created_at=now
                )
                session.add(export)
            export.status, export.destination = PENDING, destination
            export.last_error, export.finished_at = None, None
            key = export_key(row.incident_id, version, target)
            payload = {"incident": row.incident_id, "version": version, "target": target}
            timers.schedule(session, key, kind, now, payload, now)
        if self._followups is not None:
            self._followups.schedule(session, row.incident_id, now)

    def retry_failed(
        self, session: Session, row: PostmortemRow, version: int, now: datetime
    ) -> bool:
        """In an approving transaction: deliver the failed exports of ``version`` again."""
        failed = [e for e in store.export_rows(session, row.id, version) if e.status == FAILED]
        for export in failed:
            export.status, export.last_error, export.finished_at = PENDING, None, None
            kind = EXPORT_FILE if export.target == FILE else EXPORT_WEBHOOK
            key = export_key(row.incident_id, version, export.target)
            payload = {"incident": row.incident_id, "version": version, "target": export.target}
            timers.schedule(session, key, kind, now, payload, now)
        if self._followups is not None:
            self._followups.schedule(session, row.incident_id, now)
        return bool(failed)

    def channel_of(self, number: int) -> str | None:
        with self._sessions() as session:
            row = incident_repo.by_number(session, number)
            return row.channel_id if row is not None else None

    def job(self, number: int, version: int, target: str) -> ExportJob | None:
        """What to deliver; None (the export marked superseded) when ``version`` is no longer
        the current approved version, or there is nothing to deliver."""
        with self._sessions() as session:
            row = store.postmortem(session, number)
            incident_row = incident_repo.by_number(session, number)
            if row is None or incident_row is None:
                return None
            export = _export_row(session, row.id, version, target)
            if export is None or export.status not in _DELIVERABLE[target]:
                return None
            live = row.current_version == version and row.state in (APPROVED, PUBLISHED)
            if not live and export.status == DELIVERED:
                return None  # delivered while it was current; nothing to supersede
            if live:
                found = store.versions(session, row.id)
                written_by = authors(found, version)
                incident = incident_repo.to_domain(incident_row)
                reviews = store.reviews(session, row.id)
                counted = approvers(reviews, version, written_by)
                chosen = next(v for v in found if v.number == version)
                overrides = [
                    Override(r.reviewer, r.note, r.overrode)
                    for r in _approvals(reviews, version)
                    if r.overrode and r.reviewer in counted
                ]
                markdown = published(
                    chosen.sections,
                    self._required(row.template),
                    store.waivers(row),
                    overrides,
                    self._name,
                )
                if self._followups is not None:
                    markdown += _followups_section(self._followups.lines(number))
                return ExportJob(
                    incident,
                    incident_row.channel_id,
                    chosen,
                    export.destination,
                    self.path_for(incident),
                    tuple(counted),
                    tuple(written_by),
                    markdown,
                )
        self._finish(number, version, target, SUPERSEDED, None)
        return None

    def delivered(self, number: int, version: int, target: str) -> None:
        """Record a delivery; once every target has it, the post-mortem is published."""
        self._finish(number, version, target, DELIVERED, None)

    def failed(self, number: int, version: int, target: str, error: str) -> None:
        self._finish(number, version, target, FAILED, error)

    def _finish(
        self, number: int, version: int, target: str, status: str, error: str | None
    ) -> None:
        store.retrying(lambda: self._finish_once(number, version, target, status, error))
        self._wake()

    def _finish_once(
        self, number: int, version: int, target: str, status: str, error: str | None
    ) -> None:
        now = self._clock()
        with self._sessions.begin() as session:
            row = store.existing(session, number)
            export = _export_row(session, row.id, version, target)
            if export is None:
                return
            export.status, export.last_error, export.finished_at = status, error, now
            session.flush()
            statuses = {e.status for e in store.export_rows(session, row.id, version)}
            # Touching the row makes concurrent finishes conflict, so the last one sees them all.
            row.updated_at = now
            if statuses == {DELIVERED} and row.state == APPROVED and row.current_version == version:
                row.state = PUBLISHED
            refresh(session, number, now)


def _followups_section(lines: list[FollowupLine]) -> str:
    """Each action item's state and issue, under the post-mortem (none: nothing added)."""
    if all(line.state is None for line in lines):
        return ""  # no tracker configured: the action items section says it all
    shown = []
    for line in lines:
        state = "done" if line.done else "open"
        if line.url:
            tracked = f"[{line.issue}]({line.url}) ({line.state})"
        elif line.state in ("pending", None):
            tracked = "issue being created" if line.state else "not exported"
        else:
            tracked = f"export failed: {line.error}"
        shown.append(f"- {line.text}: {state}, {tracked}")
    return "\n## Follow-ups\n\n" + "\n".join(shown) + "\n"


def _approvals(reviews: Sequence[Review], version: int) -> list[Review]:
    """The approvals of ``version`` in its current round (a change request restarts it)."""
    found: list[Review] = []
    for review in reviews:
        if review.version != version:
            continue
        found = [] if review.verdict != APPROVED else [*found, review]
    return found


def _export_row(
    session: Session, postmortem_id: int, version: int, target: str
) -> PostmortemExportRow | None:
    return next(
        (e for e in store.export_rows(session, postmortem_id, version) if e.target == target),
        None,
    )
