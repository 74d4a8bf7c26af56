"""Durable timers and the side-effect outbox, as statements over the caller's ``Session``.

Nothing here commits: the caller owns the transaction, so a timer is written atomically with the
state change that needs it (an incident declared and its first status reminder, an escalation
level reached and the next level's timer).

Lifecycle of a row in ``timers``::

    schedule ──> pending ──claim_due──> pending + lease ──complete──────> done
                   ^  ^                       │  │  └─────fail─────────> failed
                   │  └──── retry_later ──────┘  └──reschedule──> pending (next occurrence)
                   └── schedule (upsert) from any status; cancel ──> cancelled

Exactly once among replicas rests on two guards:

* **Claiming** is exclusive. PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` picks rows no one
  else is claiming, then a guarded ``UPDATE`` takes the lease. SQLite ignores ``FOR UPDATE``; the
  same guarded ``UPDATE`` is a compare-and-set there (and ``BEGIN IMMEDIATE`` serialises writers).
* **Finishing** is fenced. Every claim writes ``lease_owner = "<owner>#<claim token>"`` and bumps
  ``attempts``; ``complete``/``reschedule``/``retry_later``/``fail`` only touch a row that is still
  pending with that exact lease and attempt count. If the lease expired and another replica took
  the row, or the app re-scheduled or cancelled the key meanwhile, the stale result is refused
  (``False``) and discarded. The per-claim token matters because ``schedule`` resets ``attempts``
  to 0: without it the same owner could claim the re-scheduled row with the same attempt count
  and an old, in-flight result would be mistaken for the new one.

A late result whose lease expired but that nobody re-claimed yet is still accepted: the work is
done, and accepting it avoids a second firing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.elements import ColumnElement

from bot.kernel.storage.types import NaiveDatetimeError
from bot.kernel.timers.rows import Effect, Timer

PENDING = "pending"
DONE = "done"
CANCELLED = "cancelled"
FAILED = "failed"

MAX_KEY_LENGTH = 255
MAX_KIND_LENGTH = 64
# ``lease_owner`` is String(128): the owner, "#", and a 12-character claim token.
MAX_OWNER_LENGTH = 100
MAX_ERROR_LENGTH = 4000


@dataclass(frozen=True)
class ClaimedTimer:
    """A timer this process holds the lease on; pass it back to finish it.

    ``lease_owner`` is the stored lease, ``"<owner>#<claim token>"``; together with ``attempts``
    (1 on the first claim) it fences the result of this particular claim. ``lease_expires_at``:
    when the lease taken by the claim runs out (``None``: unknown).
    """

    id: int
    key: str
    kind: str
    payload: dict[str, Any]
    due_at: datetime
    attempts: int
    lease_owner: str
    lease_expires_at: datetime | None = None


@dataclass(frozen=True)
class TimerState:
    """A read-only snapshot of one row, as ``get`` returns it."""

    id: int
    key: str
    kind: str
    payload: dict[str, Any]
    due_at: datetime
    status: str
    attempts: int
    lease_owner: str | None
    lease_expires_at: datetime | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    fired_at: datetime | None


def schedule(
    session: Session,
    key: str,
    kind: str,
    due_at: datetime,
    payload: dict[str, Any] | None,
    now: datetime,
) -> None:
    """Create the timer ``key``, or reset an existing one (any status) to pending.

    A reset takes the new kind, due time and payload, sets ``attempts`` to 0 and clears the lease
    and the last error, so scheduling the same key twice is idempotent and the latest call wins.
    A firing in flight for that key is superseded: its result will be refused. One statement
    (``INSERT ... ON CONFLICT (key) DO UPDATE``), so concurrent schedules of one key never raise.
    """
    _check_key(key)
    _check_text("kind", kind, MAX_KIND_LENGTH)
    _require_aware(due_at=due_at, now=now)
    values = {
        "key": key,
        "kind": kind,
        "payload": dict(payload or {}),
        "due_at": due_at,
        "status": PENDING,
        "attempts": 0,
        "lease_owner": None,
        "lease_expires_at": None,
        "last_error": None,
        "created_at": now,
        "updated_at": now,
    }
    conn = _connection(session)
    conn.execute(_upsert(conn.dialect.name), values)


def schedule_coalesced(
    session: Session,
    key: str,
    kind: str,
    payload: dict[str, Any] | None,
    now: datetime,
    window: timedelta,
) -> None:
    """Have ``key`` fire soon, at most about once per ``window``: for a timer that shows the
    current state (a message refreshed from the database), called on every change.

    The first change after a quiet ``window`` fires at once. A change while the timer waits
    leaves it as it is: when it fires it reads this change too (so a burst of changes fires it
    once, not pushed back by each). A change while it is firing, or within ``window`` of its
    last firing, plans it again ``window`` later, so the last change is always shown. Every
    call must pass the same ``kind`` and ``payload``: only the state it reads differs.

    The row is locked (PostgreSQL) so a runner cannot claim it between this check and the
    caller's commit and read the state from before this change; SQLite serialises writers.
    """
    _require_aware(now=now)
    found = _connection(session).execute(_COALESCED_STATE, {"key": key}).one_or_none()
    due = now
    if found is not None and found.status == PENDING and found.lease_owner is None:
        if found.due_at <= now + window and dict(found.payload or {}) == dict(payload or {}):
            return  # waiting, not yet claimed: it will read this change when it fires
    elif found is not None and found.status == PENDING:
        due = now + window  # firing: what it read may predate this change
    elif found is not None and found.status == DONE and found.fired_at is not None:
        due = max(now, found.fired_at + window)
    schedule(session, key, kind, due, payload, now)


# Built once: every change of an incident refreshes its card inside the write transaction (on
# SQLite, holding the one write lock), where building the statement cost more than running it.
_COALESCED_STATE = (
    select(Timer.status, Timer.due_at, Timer.lease_owner, Timer.fired_at, Timer.payload)
    .where(Timer.key == bindparam("key"))
    .with_for_update()
)


# One statement per dialect, its values bound at execution: building it per call (the
# ``excluded`` alias's columns, the values' cache key) cost more than running it.
_UPSERTS: dict[str, Executable] = {}


def _upsert(dialect: str) -> Executable:
    statement = _UPSERTS.get(dialect)
    if statement is not None:
        return statement
    if dialect == "postgresql":
        pg_stmt = postgresql.insert(Timer)
        statement = pg_stmt.on_conflict_do_update(
            index_elements=[Timer.key], set_=_reset_from(pg_stmt.excluded)
        )
    elif dialect == "sqlite":
        lite_stmt = sqlite.insert(Timer)
        statement = lite_stmt.on_conflict_do_update(
            index_elements=[Timer.key], set_=_reset_from(lite_stmt.excluded)
        )
    else:
        raise NotImplementedError(f"timers need PostgreSQL or SQLite, not {dialect}")
    _UPSERTS[dialect] = statement
    return statement


def _reset_from(excluded: Any) -> dict[str, Any]:
    # ``created_at`` and ``fired_at`` keep their history; everything else restarts.
    return {
        "kind": excluded.kind,
        "payload": excluded.payload,
        "due_at": excluded.due_at,
        "status": PENDING,
        "attempts": 0,
        "lease_owner": None,
        "lease_expires_at": None,
        "last_error": None,
        "updated_at": excluded.updated_at,
    }


def cancel(session: Session | Connection, key: str, now: datetime) -> bool:
    """Cancel the pending timer ``key``; ``False`` if there is none (absent or finished).

    Cancelling a timer whose handler is running refuses that handler's result. The handler may
    already have acted, so handlers re-check the state they act on in their own transaction.
    """
    _require_aware(now=now)
    # Built once: every Slack request applied cancels its recovery timer in its write transaction.
    result = _connection(session).execute(_CANCEL_KEY, {"cancel_key": key, "updated_at": now})
    return result.rowcount == 1


def cancel_prefix(session: Session, key_prefix: str, now: datetime) -> int:
    """Cancel every pending timer whose key starts with ``key_prefix`` (e.g. ``incident:42:``).

    Returns how many were cancelled. ``%`` and ``_`` in the prefix are literal. An empty prefix is
    refused, since it would cancel every timer of every incident.
    """
    if not key_prefix:
        raise ValueError("cancel_prefix needs a non-empty prefix")
    _require_aware(now=now)
    return _cancel_where(session, Timer.key.startswith(key_prefix, autoescape=True), now)


def _cancel_where(session: Session, condition: ColumnElement[bool], now: datetime) -> int:
    statement = update(Timer).where(condition, Timer.status == PENDING).values(_CANCELLED)
    return _connection(session).execute(statement, {"updated_at": now}).rowcount


_CANCELLED = {"status": CANCELLED, "lease_owner": None, "lease_expires_at": None}
_CANCEL_KEY = (
    update(Timer)
    .where(Timer.key == bindparam("cancel_key"), Timer.status == PENDING)
    .values(_CANCELLED)
)


def get(session: Session, key: str) -> TimerState | None:
    """The current state of timer ``key``, or ``None``."""
    row = (
        _connection(session)
        .execute(
            select(
                Timer.id,
                Timer.key,
                Timer.kind,
                Timer.payload,
                Timer.due_at,
                Timer.status,
                Timer.attempts,
                Timer.lease_owner,
                Timer.lease_expires_at,
                Timer.last_error,
                Timer.created_at,
                Timer.updated_at,
                Timer.fired_at,
            ).where(Timer.key == key)
        )
        .one_or_none()
    )
    return None if row is None else TimerState(**row._asdict())


def claim_due(
    session: Session, owner: str, now: datetime, lease_seconds: float, limit: int
) -> list[ClaimedTimer]:
    """Lease up to ``limit`` due timers to ``owner`` for ``lease_seconds``, earliest first.

    Due means pending, ``due_at <= now``, and no lease or an expired one (its holder died or
    stalled). Each claim increments ``attempts``. The caller must commit before running handlers:
    the lease is what keeps other replicas away, not a held row lock.
    """
    _check_text("owner", owner, MAX_OWNER_LENGTH)
    _require_aware(now=now)
    if lease_seconds <= 0 or limit <= 0:
        raise ValueError("lease_seconds and limit must be positive")
    conn = _connection(session)
    claimable = and_(
        Timer.status == PENDING,
        Timer.due_at <= now,
        or_(Timer.lease_expires_at.is_(None), Timer.lease_expires_at <= now),
    )
    candidates = (
        conn.execute(
            select(Timer.id)
            .where(claimable)
            .order_by(Timer.due_at, Timer.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        .scalars()
        .all()
    )
    if not candidates:
        return []
    lease = f"{owner}#{uuid.uuid4().hex[:12]}"
    expires_at = now + timedelta(seconds=lease_seconds)
    # The guard is repeated so the UPDATE is a compare-and-set where FOR UPDATE is a no-op.
    rows = conn.execute(
        update(Timer)
        .where(Timer.id.in_(candidates), claimable)
        .values(
            lease_owner=lease,
            lease_expires_at=expires_at,
            attempts=Timer.attempts + 1,
            updated_at=now,
        )
        .returning(Timer.id, Timer.key, Timer.kind, Timer.payload, Timer.due_at, Timer.attempts)
    ).all()
    claimed = [
        ClaimedTimer(
            id=row.id,
            key=row.key,
            kind=row.kind,
            payload=dict(row.payload or {}),
            due_at=row.due_at,
            attempts=row.attempts,
            lease_owner=lease,
            lease_expires_at=expires_at,
        )
        for row in rows
    ]
    claimed.sort(key=lambda c: (c.due_at, c.id))
    return claimed


def extend_lease(
    session: Session, claimed: ClaimedTimer, now: datetime, lease_seconds: float
) -> bool:
    """Move the lease's expiry to ``now + lease_seconds`` if ``claimed`` still holds it.

    The runner calls it right before each handler, so a batch's earlier handlers do not eat the
    lease of the later ones; a long handler can call it too (from its own session) to stay alive.
    """
    _require_aware(now=now)
    return _finish(session, claimed, now, lease_expires_at=now + timedelta(seconds=lease_seconds))


def holds(session: Session, claimed: ClaimedTimer) -> bool:
    """Whether ``claimed`` still holds its lease (the timer was not scheduled again, finished or
    claimed by another): the check ``extend_lease`` makes, read without writing."""
    row = _connection(session).execute(_HOLDS, _fence(claimed)).first()
    return row is not None


def complete(session: Session, claimed: ClaimedTimer, now: datetime) -> bool:
    """Mark the timer done; ``False`` (and no change) if the lease is no longer ``claimed``'s."""
    _require_aware(now=now)
    return _finish(
        session,
        claimed,
        now,
        status=DONE,
        fired_at=now,
        lease_owner=None,
        lease_expires_at=None,
        last_error=None,
    )


def reschedule(
    session: Session,
    claimed: ClaimedTimer,
    due_at: datetime,
    payload: dict[str, Any] | None,
    now: datetime,
) -> bool:
    """Fire the same key again at ``due_at`` (a recurring timer); ``None`` keeps the payload.

    The next occurrence starts afresh: ``attempts`` 0, no lease, no error. ``False`` if the lease
    is no longer ``claimed``'s.
    """
    _require_aware(due_at=due_at, now=now)
    changes: dict[str, Any] = {
        "due_at": due_at,
        "attempts": 0,
        "fired_at": now,
        "lease_owner": None,
        "lease_expires_at": None,
        "last_error": None,
    }
    if payload is not None:
        changes["payload"] = dict(payload)
    return _finish(session, claimed, now, **changes)


def retry_later(
    session: Session, claimed: ClaimedTimer, error: str, due_at: datetime, now: datetime
) -> bool:
    """Release the lease and make the timer due again at ``due_at``, keeping ``attempts``.

    ``False`` if the lease is no longer ``claimed``'s.
    """
    _require_aware(due_at=due_at, now=now)
    return _finish(
        session,
        claimed,
        now,
        due_at=due_at,
        last_error=error[:MAX_ERROR_LENGTH],
        lease_owner=None,
        lease_expires_at=None,
    )


def fail(session: Session, claimed: ClaimedTimer, error: str, now: datetime) -> bool:
    """Give up on the timer: status failed, with ``error``. ``False`` if the lease was lost."""
    _require_aware(now=now)
    return _finish(
        session,
        claimed,
        now,
        status=FAILED,
        last_error=error[:MAX_ERROR_LENGTH],
        lease_owner=None,
        lease_expires_at=None,
    )


def _fence(claimed: ClaimedTimer) -> dict[str, Any]:
    return {
        "fence_id": claimed.id,
        "fence_owner": claimed.lease_owner,
        "fence_attempts": claimed.attempts,
    }


_FENCE = (
    Timer.id == bindparam("fence_id"),
    Timer.status == PENDING,
    Timer.lease_owner == bindparam("fence_owner"),
    Timer.attempts == bindparam("fence_attempts"),
)
_HOLDS = select(Timer.id).where(*_FENCE)
# Its SET clause is the columns given with it: built once, for every change a handler's outcome
# makes inside its write transaction (on SQLite, holding the one write lock).
_FENCED_UPDATE = update(Timer).where(*_FENCE)


def _finish(session: Session, claimed: ClaimedTimer, now: datetime, **changes: Any) -> bool:
    params = {"updated_at": now, **changes, **_fence(claimed)}
    result = _connection(session).execute(_FENCED_UPDATE, params)
    return result.rowcount == 1


def next_due_at(session: Session) -> datetime | None:
    """When the next pending timer becomes claimable, or ``None`` if nothing is pending.

    That is its ``due_at``, or its lease's expiry if that is later: a row being fired right now
    is not due again until its lease runs out, and a wake-up planned before that would find
    nothing to claim (and, re-planning, spin).
    """
    claimable_at = case(
        (
            and_(Timer.lease_expires_at.is_not(None), Timer.lease_expires_at > Timer.due_at),
            Timer.lease_expires_at,
        ),
        else_=Timer.due_at,
    )
    value = (
        _connection(session)
        .execute(select(func.min(claimable_at)).where(Timer.status == PENDING))
        .scalar_one_or_none()
    )
    return value if isinstance(value, datetime) else None


def record_effect_once(
    session: Session, key: str, detail: dict[str, Any] | None, now: datetime
) -> bool:
    """Record the side effect ``key``; ``True`` the first time, ``False`` if already recorded.

    An ``INSERT ... ON CONFLICT DO NOTHING`` in the caller's transaction, so it is decided by the
    database, not by a read-then-write race. Two usual patterns:

    * record, perform, commit: a failed effect rolls the record back and a retry tries again.
      On PostgreSQL a concurrent recorder of the same key waits on the unique index until this
      transaction ends, so live replicas never both perform it; a crash after the effect but
      before the commit can repeat it (at least once). On SQLite this holds the single write
      lock while the effect runs: keep such effects short.
    * record, commit, perform: never repeated, but lost if the process dies in between
      (at most once). Prefer it where a duplicate is worse than a gap.

    Downstream idempotency keys (PagerDuty ``dedup_key``, Opsgenie ``alias``) should use the same
    key, so even the at-least-once window collapses at the receiver.
    """
    _check_key(key)
    _require_aware(now=now)
    values = {"key": key, "created_at": now, "detail": dict(detail or {})}
    conn = _connection(session)
    dialect = conn.dialect.name
    if dialect == "postgresql":
        pg_stmt = (
            postgresql.insert(Effect)
            .values(values)
            .on_conflict_do_nothing(index_elements=[Effect.key])
        )
        inserted = conn.execute(pg_stmt.returning(Effect.key)).first()
    elif dialect == "sqlite":
        lite_stmt = (
            sqlite.insert(Effect).values(values).on_conflict_do_nothing(index_elements=[Effect.key])
        )
        inserted = conn.execute(lite_stmt.returning(Effect.key)).first()
    else:
        raise NotImplementedError(f"the outbox needs PostgreSQL or SQLite, not {dialect}")
    return inserted is not None


def _connection(session: Session | Connection) -> Connection:
    # Core statements on the session's connection: same transaction, and no ORM identity map
    # that could hand stale ``Timer`` objects back after these bulk updates.
    return session if isinstance(session, Connection) else session.connection()


def _check_key(key: str) -> None:
    _check_text("key", key, MAX_KEY_LENGTH)


def _check_text(name: str, value: str, max_length: int) -> None:
    # PostgreSQL would reject an over-long value and SQLite would keep it: refuse it on both.
    if not value or len(value) > max_length:
        raise ValueError(f"{name} must be 1 to {max_length} characters, got {len(value)}")


def _require_aware(**instants: datetime) -> None:
    for name, value in instants.items():
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetimeError(f"{name}={value!r} is naive: pass a timezone-aware instant")
