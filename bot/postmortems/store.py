"""Post-mortem rows to and from the review values (``Version``, ``Review``, ``Export``).

Statements over the caller's ``Session``; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bot.postmortems.domain.gates import Waiver
from bot.postmortems.domain.merge import Conflict
from bot.postmortems.domain.sections import Section
from bot.postmortems.review import PostmortemRefused, Review, Version
from bot.postmortems.rows import (
    PostmortemExportRow,
    PostmortemReviewRow,
    PostmortemRow,
    PostmortemVersionRow,
)

CONFLICT_RETRIES = 5
T = TypeVar("T")


class NoDraft(PostmortemRefused):
    """The incident has no post-mortem yet."""


@dataclass(frozen=True)
class Export:
    """The delivery of one approved version to one target (``file`` or ``webhook``)."""

    target: str
    version: int
    status: str
    destination: str
    error: str | None
    finished_at: datetime | None


def postmortem(session: Session, number: int) -> PostmortemRow | None:
    return session.scalars(select(PostmortemRow).where(PostmortemRow.incident_id == number)).first()


def existing(session: Session, number: int) -> PostmortemRow:
    row = postmortem(session, number)
    if row is None:
        raise NoDraft(
            f"Incident #{number} has no post-mortem draft yet: draft one with "
            "`/incident postmortem`."
        )
    return row


def versions(session: Session, postmortem_id: int) -> list[Version]:
    rows = session.scalars(
        select(PostmortemVersionRow)
        .where(PostmortemVersionRow.postmortem_id == postmortem_id)
        .order_by(PostmortemVersionRow.number)
    )
    return [
        Version(
            number=r.number,
            kind=r.kind,
            sections=tuple(Section(**s) for s in r.sections),
            author=r.author,
            change=r.change,
            created_at=r.created_at,
            based_on=r.based_on,
            merge_base=r.merge_base,
            conflicts=tuple(Conflict(**c) for c in r.conflicts or []),
        )
        for r in rows
    ]


def add_version(session: Session, postmortem_id: int, version: Version) -> None:
    session.add(
        PostmortemVersionRow(
            postmortem_id=postmortem_id,
            number=version.number,
            kind=version.kind,
            sections=[{"id": s.id, "heading": s.heading, "body": s.body} for s in version.sections],
            author=version.author,
            change=version.change,
            created_at=version.created_at,
            based_on=version.based_on,
            merge_base=version.merge_base,
            conflicts=[
                {"section": c.section, "base": c.base, "human": c.human, "generated": c.generated}
                for c in version.conflicts
            ],
        )
    )


def reviews(session: Session, postmortem_id: int) -> list[Review]:
    rows = session.scalars(
        select(PostmortemReviewRow)
        .where(PostmortemReviewRow.postmortem_id == postmortem_id)
        .order_by(PostmortemReviewRow.id)
    )
    return [
        Review(r.version, r.reviewer, r.verdict, r.note, r.at, tuple(r.overrode or ()))
        for r in rows
    ]


def add_review(
    session: Session, postmortem_id: int, review: Review, approval_key: str | None = None
) -> None:
    session.add(
        PostmortemReviewRow(
            postmortem_id=postmortem_id,
            version=review.version,
            reviewer=review.reviewer,
            verdict=review.verdict,
            note=review.note,
            at=review.at,
            approval_key=approval_key,
            overrode=list(review.overrode) or None,
        )
    )


def waivers(row: PostmortemRow) -> dict[str, Waiver]:
    return {
        section: Waiver(section, str(w["reason"]), str(w["by"]))
        for section, w in (row.waivers or {}).items()
    }


def add_waiver(row: PostmortemRow, waiver: Waiver, at: datetime) -> None:
    # A new dict: SQLAlchemy sees a JSON column change only when it is reassigned.
    row.waivers = {
        **(row.waivers or {}),
        waiver.section: {"reason": waiver.reason, "by": waiver.by, "at": at.isoformat()},
    }


def export_rows(session: Session, postmortem_id: int, version: int) -> list[PostmortemExportRow]:
    return list(
        session.scalars(
            select(PostmortemExportRow)
            .where(
                PostmortemExportRow.postmortem_id == postmortem_id,
                PostmortemExportRow.version == version,
            )
            .order_by(PostmortemExportRow.id)
        )
    )


def exports(session: Session, postmortem_id: int, version: int) -> list[Export]:
    return [
        Export(r.target, r.version, r.status, r.destination, r.last_error, r.finished_at)
        for r in export_rows(session, postmortem_id, version)
    ]


def retrying(work: Callable[[], T], attempts: int = CONFLICT_RETRIES) -> T:
    """Run ``work`` (one transaction) again when it lost a race.

    Two people acting on one post-mortem at once conflict on its row's version counter (or on a
    unique key); the loser re-reads and decides again, so both changes land in some order, or the
    second is refused with a reason that fits the new state.
    """
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except (StaleDataError, IntegrityError):
            if attempt == attempts:
                raise
    raise AssertionError("attempts must be at least 1")
