"""Bounded deletes of rows that are kept only for a while (driven by ``bot.retention.service``).

Each function deletes at most ``limit`` rows: it selects the oldest candidates' keys with a
``LIMIT``, then deletes those keys, so one call holds its locks (SQLite's single write lock,
PostgreSQL's row locks) only for a small batch. Nothing here commits: the caller runs each batch
in a transaction of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session, aliased

from bot.alerts.domain import AlertStatus
from bot.alerts.rows import PROCESSED, AlertPayloadRow, AlertRow
from bot.kernel.slack.inbox_rows import SlackInboxRow
from bot.kernel.slack.inbox_store import PENDING, recovery_key
from bot.kernel.timers.rows import Timer
from bot.kernel.timers.store import CANCELLED, DONE


def prune_slack_events(session: Session, before: datetime, limit: int) -> int:
    """Forget up to ``limit`` Slack requests finished and received before ``before``, with their
    finished recovery timers (their keys never recur); how many requests went."""
    ids = session.scalars(
        select(SlackInboxRow.id)
        .where(SlackInboxRow.received_at < before, SlackInboxRow.status != PENDING)
        .order_by(SlackInboxRow.received_at)
        .limit(limit)
    ).all()
    if ids:
        conn = session.connection()
        conn.execute(delete(SlackInboxRow).where(SlackInboxRow.id.in_(ids)))
        keys = [recovery_key(inbox_id) for inbox_id in ids]
        conn.execute(delete(Timer).where(Timer.key.in_(keys), Timer.status.in_((DONE, CANCELLED))))
    return len(ids)


def prune_alert_payloads(session: Session, before: datetime, limit: int) -> list[int]:
    """Delete up to ``limit`` payloads processed before ``before``; the ids deleted.

    Pending and failed payloads are never deleted (they are still to be handled). Two processed
    ones are kept too, whatever their age:

    * the latest payload of any alert still firing: Alertmanager re-sends an unchanged group's
      body every ``repeat_interval``, and the stored body's hash is what makes that re-send a
      no-op; without it a long-firing alert would be applied again (and could open a second
      incident after its first was resolved by hand);
    * the newest payload of all: SQLite reuses the highest rowid once it is deleted, and a reused
      id would be mistaken for the old payload by the keys and references built on it.
    """
    newest = aliased(AlertPayloadRow)
    still_firing = exists().where(
        AlertRow.last_payload_id == AlertPayloadRow.id,
        AlertRow.status == AlertStatus.FIRING.value,
    )
    ids = list(
        session.scalars(
            select(AlertPayloadRow.id)
            .where(
                AlertPayloadRow.status == PROCESSED,
                AlertPayloadRow.processed_at < before,
                AlertPayloadRow.id < select(func.max(newest.id)).scalar_subquery(),
                ~still_firing,
            )
            .order_by(AlertPayloadRow.id)
            .limit(limit)
        )
    )
    if ids:
        session.connection().execute(delete(AlertPayloadRow).where(AlertPayloadRow.id.in_(ids)))
    return ids


def delete_finished_timers(session: Session, keys: Sequence[str]) -> int:
    """Delete the timers among ``keys`` that are done or cancelled; how many went.

    Only for keys that can never be scheduled again (see ``bot.retention.service``): a pending
    timer is still to fire and a failed one still to be looked at, so both stay.
    """
    if not keys:
        return 0
    result = session.connection().execute(
        delete(Timer).where(Timer.key.in_(keys), Timer.status.in_((DONE, CANCELLED)))
    )
    return int(result.rowcount)
