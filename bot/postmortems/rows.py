"""Tables of post-mortem drafts, versions, reviews and exports.

One ``postmortems`` row per incident holds the review state and which version is current. Versions
are immutable and numbered from 1: a draft rendered from the timeline (``generated``), a person's
edit (``human``) or a re-draft's three-way merge (``merged``). Reviews are an append-only log; an
approval carries ``approval_key`` so the database itself refuses a second approval by the same
reviewer of the same version in the same review round. ``postmortem_exports`` tracks each approved
version's delivery to the export folder and the webhook.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.kernel.storage.base import Base
from bot.kernel.storage.types import UTCDateTime


class PostmortemRow(Base):
    """The post-mortem of one incident. ``state``: draft|changes_requested|approved|published."""

    __tablename__ = "postmortems"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), unique=True
    )
    state: Mapped[str] = mapped_column(String(24))
    template: Mapped[str] = mapped_column(String(100))
    current_version: Mapped[int] = mapped_column(Integer)
    summary_ts: Mapped[str | None] = mapped_column(String(32))  # the summary message in Slack
    # Required sections left unfilled on purpose: ``{section: {"reason", "by", "at"}}``; kept
    # across versions (a waiver is about the incident, not about one wording).
    waivers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Two reviewers acting at once conflict here; the loser re-reads and re-decides.
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": lock_version}


class PostmortemVersionRow(Base):
    """One immutable version. ``sections``: ``[{"id", "heading", "body"}]`` in document order.

    ``based_on``: the version an edit was made from (the one its editor opened) or the human
    side of a merge; ``merge_base``: the previous generated version a merge started from;
    ``conflicts``: ``[{"section", "base", "human", "generated"}]`` left by that merge.
    """

    __tablename__ = "postmortem_versions"
    __table_args__ = (
        UniqueConstraint("postmortem_id", "number", name="uq_postmortem_versions_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    postmortem_id: Mapped[int] = mapped_column(
        ForeignKey("postmortems.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # generated|human|merged
    sections: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(64))
    change: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    based_on: Mapped[int | None] = mapped_column(Integer)
    merge_base: Mapped[int | None] = mapped_column(Integer)
    conflicts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class PostmortemReviewRow(Base):
    """A verdict on one version: ``approved`` or ``changes_requested`` (with a note)."""

    __tablename__ = "postmortem_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    postmortem_id: Mapped[int] = mapped_column(
        ForeignKey("postmortems.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    reviewer: Mapped[str] = mapped_column(String(64))
    verdict: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    # "<postmortem>:<version>:<round>:<reviewer>" on approvals, NULL on change requests (NULLs
    # never collide): one approval per reviewer, version and round of review.
    approval_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    # An approval given despite blameless findings ("approve anyway"): the flagged sentences;
    # ``note`` holds the approver's reason. NULL or empty on ordinary approvals.
    overrode: Mapped[list[str] | None] = mapped_column(JSON)


class PostmortemExportRow(Base):
    """Delivery of one approved version to one target (``file`` or ``webhook``).

    ``status``: pending|delivered|failed|superseded (a newer version was made before it ran).
    """

    __tablename__ = "postmortem_exports"
    __table_args__ = (
        UniqueConstraint(
            "postmortem_id", "version", "target", name="uq_postmortem_exports_version_target"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    postmortem_id: Mapped[int] = mapped_column(
        ForeignKey("postmortems.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    target: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    destination: Mapped[str] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FollowupRow(Base):
    """One action item exported to an issue tracker. ``state``: pending (being created), open,
    closed (the item is done) or failed (``last_error`` says why). ``issue`` is the tracker's
    id of the issue (``owner/repo#12``, ``ENG-12``, ``OPS-12``)."""

    __tablename__ = "postmortem_followups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action_item_id: Mapped[int] = mapped_column(
        ForeignKey("action_items.id", ondelete="CASCADE"), unique=True
    )
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    tracker: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))
    issue: Mapped[str | None] = mapped_column(String(200), index=True)
    url: Mapped[str | None] = mapped_column(String(500))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
