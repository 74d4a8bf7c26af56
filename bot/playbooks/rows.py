"""Tables of playbook runs and their steps.

A run keeps a snapshot of its playbook's steps as rendered when it started, so editing the file
never changes a checklist people are working through. ``open_slot`` holds the playbook's name while
the run is unfinished (NULL after), and is unique per incident: two starts of one playbook racing
each other leave one run. Each step row carries a ``version``; every change is a compare-and-set on
it, so a double click or a Slack retry changes a step once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.kernel.storage.base import Base
from bot.kernel.storage.types import UTCDateTime


class PlaybookRunRow(Base):
    __tablename__ = "playbook_runs"
    __table_args__ = (
        UniqueConstraint("incident_id", "open_slot", name="uq_playbook_runs_incident_open_slot"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    playbook: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # rendered ``RunStep``s, in order
    open_slot: Mapped[str | None] = mapped_column(String(100))
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))  # the checklist message
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PlaybookStepRow(Base):
    """The state of one step of a run (see ``bot.playbooks.domain.run.StepState``).

    ``plans`` holds the plans shown in confirmation modals not yet submitted, by token, so the run
    does exactly what its confirmation showed; ``plan`` is the one being (or last) run.
    """

    __tablename__ = "playbook_steps"
    __table_args__ = (UniqueConstraint("run_id", "step_id", name="uq_playbook_steps_run_step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("playbook_runs.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    step_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    actor: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text, default="")
    target: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    retryable: Mapped[bool] = mapped_column(Boolean, default=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    plans: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    undo: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    undo_status: Mapped[str] = mapped_column(String(16), default="none")
    undo_actor: Mapped[str | None] = mapped_column(String(64))
    undo_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    undo_error: Mapped[str] = mapped_column(Text, default="")
    undo_attempts: Mapped[int] = mapped_column(Integer, default=0)
    undo_offer_key: Mapped[str | None] = mapped_column(String(255))  # the undo offer listing it
    undo_offer_ts: Mapped[str | None] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}
