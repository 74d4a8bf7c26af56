"""Incident repository: rows <-> the pure ``Incident``, and idempotent timeline appends."""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    String,
    Update,
    and_,
    bindparam,
    case,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy import insert as insert_into
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.exc import StaleDataError

from bot.incidents.domain import card, naming
from bot.incidents.domain import events as payloads
from bot.incidents.domain.incident import Incident
from bot.incidents.domain.lifecycle import Status
from bot.incidents.domain.severity import Severity
from bot.incidents.domain.timeline import TimelineEvent
from bot.incidents.rows import ActionItemRow, IncidentRow, TimelineEventRow
from bot.kernel.storage.db import read

KEYS_PER_QUERY = 500  # SQLite bounds a statement's parameters
READY = "ready"  # the provisioning state of an incident whose channel is set up


def to_domain(row: IncidentRow | Row[Any]) -> Incident:
    """The incident of its row (mapped, or a plain row of its columns)."""
    return Incident(
        number=row.id,
        title=row.title,
        severity=Severity(row.severity),
        status=Status(row.status),
        declarer=row.declarer_id,
        lead=row.lead_id,
        declared_at=row.declared_at,
        service=row.service,
        description=row.description,
        detected_at=row.detected_at,
        acknowledged_at=row.acknowledged_at,
        mitigated_at=row.mitigated_at,
        resolved_at=row.resolved_at,
        last_update_at=row.last_update_at,
        roles=dict(row.roles or {}),
        private=row.private,
    )


def save_change(
    session: Session, number: int, version: int, before: Incident, after: Incident
) -> None:
    """Write what a change changed of the incident's row as read at ``version``, in one
    statement (the ORM's load and flush were a fifth of a change's hold on the write lock, on
    SQLite); only the changed columns, so that the title's search index is rewritten only when
    the title changes. Nothing changed, nothing written. ``StaleDataError`` if someone changed
    the incident since: the caller reads it again, as after the ORM's version check."""
    old, new = owned_columns(before), owned_columns(after)
    changed = tuple(column for column, value in new.items() if value != old[column])
    if not changed:
        return
    params = {f"new_{column}": new[column] for column in changed}
    params.update(number=number, version=version)
    if session.connection().execute(_update_of(changed), params).rowcount != 1:
        raise StaleDataError(f"incident #{number} changed since version {version}")


@functools.cache  # a few column sets recur (an update, a transition, a role...): built once each
def _update_of(columns: tuple[str, ...]) -> Update:
    table = IncidentRow.__table__
    values: dict[str, Any] = {
        column: bindparam(f"new_{column}", type_=table.c[column].type) for column in columns
    }
    values["version"] = IncidentRow.version + 1
    return (
        update(IncidentRow)
        .where(IncidentRow.id == bindparam("number"), IncidentRow.version == bindparam("version"))
        .values(values)
    )


def owned_columns(incident: Incident) -> dict[str, Any]:
    """The row's columns that the aggregate owns, by name (the rest are the channel's and
    provisioning's)."""
    return {
        "title": incident.title,
        "description": incident.description,
        "severity": incident.severity.value,
        "status": incident.status.value,
        "service": incident.service,
        "lead_id": incident.lead,
        "detected_at": incident.detected_at,
        "declared_at": incident.declared_at,
        "acknowledged_at": incident.acknowledged_at,
        "mitigated_at": incident.mitigated_at,
        "resolved_at": incident.resolved_at,
        "last_update_at": incident.last_update_at,
        "roles": dict(incident.roles),
    }


def insert(
    session: Session, incident: Incident, origin_channel_id: str | None, response_url: str | None
) -> int:
    """Store a new incident; its number. Two statements built once, not the ORM's flush, which
    cost the declare's write transaction (on SQLite, under the one write lock) more CPU than
    the database did. The planned channel name needs the number the first one gives."""
    values = {
        **owned_columns(incident),
        "declarer_id": incident.declarer,
        "private": incident.private,  # fixed at declaration: a channel cannot change its kind
        "channel_name": "",
        "origin_channel_id": origin_channel_id,
        "response_url": response_url,
    }
    conn = session.connection()
    number: int = conn.execute(_INSERT, values).scalar_one()
    named = {"number": number, "channel_name": naming.channel_name(number, incident.title)}
    conn.execute(_NAME, named)
    return number


_INSERT = insert_into(IncidentRow).returning(IncidentRow.id)
_NAME = (
    update(IncidentRow)
    .where(IncidentRow.id == bindparam("number"))
    .values(channel_name=bindparam("channel_name"))
)


def by_channel(session: Session, channel_id: str) -> IncidentRow | None:
    return session.scalars(select(IncidentRow).where(IncidentRow.channel_id == channel_id)).first()


def plain_row_by_channel(session: Session, channel_id: str) -> Row[Any] | None:
    """The incident of a channel as a plain row, locked until the transaction ends on
    PostgreSQL, so that concurrent changes of one incident queue instead of failing on its
    version (SQLite's write transactions are serial already)."""
    return read(session, _ROW_BY_CHANNEL_FOR_UPDATE, {"channel_id": channel_id}).first()


_ROW_BY_CHANNEL_FOR_UPDATE = (
    select(IncidentRow.__table__)
    .where(IncidentRow.channel_id == bindparam("channel_id"))
    .with_for_update()
)


def by_number(session: Session, number: int) -> IncidentRow | None:
    return session.get(IncidentRow, number)


def set_channel(session: Session, number: int, channel_id: str, name: str) -> None:
    """Record the incident's channel in one statement, without loading the row first: on SQLite
    a write transaction holds the one write lock, and loading and flushing a mapped row cost
    most of this one. The version goes up as the ORM's would, so a writer that loaded the row
    before this conflicts and retries. ``LookupError`` if there is no such incident."""
    params = {"number": number, "channel_id": channel_id, "channel_name": name}
    if session.connection().execute(_SET_CHANNEL, params).rowcount != 1:
        raise LookupError(f"incident #{number} does not exist")


_SET_CHANNEL = (
    update(IncidentRow)
    .where(IncidentRow.id == bindparam("number"))
    .values(
        channel_id=bindparam("channel_id"),
        channel_name=bindparam("channel_name"),
        version=IncidentRow.version + 1,
    )
)


def set_ready(
    session: Session,
    number: int,
    version: int,
    *,
    topic: str | None,
    card_ts: str | None,
    channel: tuple[str, str] | None = None,
) -> None:
    """Mark the incident's channel ready, with its topic, card and channel (id, name) when
    given, in one statement on the row as read at ``version`` (the ORM's load and flush cost
    this transaction most of its time under the write lock). ``StaleDataError`` if someone
    changed the incident since: the caller reads it again, as with the ORM's version check."""
    channel_id, channel_name = channel or (None, None)
    params = {
        "number": number,
        "version": version,
        "topic": topic,
        "card_ts": card_ts,
        "channel_id": channel_id,
        "channel_name": channel_name,
    }
    if session.connection().execute(_SET_READY, params).rowcount != 1:
        raise StaleDataError(f"incident #{number} changed since version {version}")


_SET_READY = (
    update(IncidentRow)
    .where(IncidentRow.id == bindparam("number"), IncidentRow.version == bindparam("version"))
    .values(
        provision_state=READY,
        topic=func.coalesce(bindparam("topic", type_=String), IncidentRow.topic),
        card_ts=func.coalesce(bindparam("card_ts", type_=String), IncidentRow.card_ts),
        channel_id=func.coalesce(bindparam("channel_id", type_=String), IncidentRow.channel_id),
        channel_name=func.coalesce(
            bindparam("channel_name", type_=String), IncidentRow.channel_name
        ),
        version=IncidentRow.version + 1,
    )
)


def plain_row(session: Session, number: int) -> Row[Any] | None:
    """The incident's columns for reading only: a plain row from a statement built once, not a
    mapped object, whose loading cost more CPU than the database did (provisioning reads it
    inside its write transaction, ``set_ready`` writes it)."""
    return read(session, _ROW_BY_NUMBER, {"number": number}).first()


_ROW_BY_NUMBER = select(IncidentRow.__table__).where(IncidentRow.id == bindparam("number"))


def append(
    session: Session, incident_id: int, events: list[TimelineEvent], now: datetime
) -> list[int]:
    """Append events; the ids of those added. One whose ``dedup_key`` is already on this
    incident's timeline (or earlier in ``events``) is skipped. The keys are looked up in one
    query, the rows written in one statement built once: every change of an incident appends
    inside its write transaction (on SQLite, holding the one write lock), where the ORM's flush
    of the new rows cost more CPU than the database did, and an alert storm appends dozens."""
    taken = _taken_keys(session, incident_id, [e.dedup_key for e in events if e.dedup_key])
    rows = []
    for event in events:
        if event.dedup_key:
            if event.dedup_key in taken:
                continue
            taken.add(event.dedup_key)
        kind, data = payloads.dump(event.payload)
        rows.append(
            {
                "incident_id": incident_id,
                "at": event.at,
                "recorded_at": now,
                "actor": event.actor,
                "kind": kind,
                "data": data,
                "dedup_key": event.dedup_key,
            }
        )
    if not rows:
        return []
    return list(session.connection().execute(_APPEND, rows).scalars())


_APPEND = insert_into(TimelineEventRow).returning(TimelineEventRow.id, sort_by_parameter_order=True)


def _taken_keys(session: Session, incident_id: int, keys: list[str]) -> set[str]:
    # Every append runs this inside its write transaction (on SQLite, holding the one write
    # lock): a statement built once costs a fifth of the ORM's select.
    taken: set[str] = set()
    for start in range(0, len(keys), KEYS_PER_QUERY):
        params = {"incident_id": incident_id, "keys": keys[start : start + KEYS_PER_QUERY]}
        taken.update(key for (key,) in read(session, _TAKEN_KEYS, params) if key is not None)
    return taken


_TAKEN_KEYS = select(TimelineEventRow.dedup_key).where(
    TimelineEventRow.incident_id == bindparam("incident_id"),
    TimelineEventRow.dedup_key.in_(bindparam("keys", expanding=True)),
)


def timeline(
    session: Session, incident_id: int, kinds: Collection[payloads.EventKind] | None = None
) -> list[TimelineEvent]:
    """The incident's events in order; only those of ``kinds`` when given. A busy incident has
    hundreds of events, and reading one (its JSON into its payload) costs far more CPU than
    the database spends skipping it: read only the kinds a caller looks at. Every change of
    every incident reads the public ones inside its write transaction (the Statuspage sync):
    statements built once, read as columns."""
    if kinds is None:
        rows = read(session, _TIMELINE, {"incident_id": incident_id})
    else:
        params = {"incident_id": incident_id, "kinds": [kind.value for kind in kinds]}
        rows = read(session, _TIMELINE_OF_KINDS, params)
    return [to_event(r.kind, r.at, r.actor, r.data, r.dedup_key) for r in rows]


_TIMELINE_COLUMNS = (
    TimelineEventRow.kind,
    TimelineEventRow.at,
    TimelineEventRow.actor,
    TimelineEventRow.data,
    TimelineEventRow.dedup_key,
)
_TIMELINE = (
    select(*_TIMELINE_COLUMNS)
    .where(TimelineEventRow.incident_id == bindparam("incident_id"))
    .order_by(TimelineEventRow.at, TimelineEventRow.id)
)
_TIMELINE_OF_KINDS = _TIMELINE.where(TimelineEventRow.kind.in_(bindparam("kinds", expanding=True)))


class CardRead(NamedTuple):
    """An incident as the card and ``/incident status`` show it."""

    row: Row[Any]  # the incident's columns
    facts: card.CardFacts
    open_actions: list[tuple[str, str | None]]


def card_read(
    session: Session, *, channel_id: str | None = None, number: int | None = None
) -> CardRead | None:
    """The incident (by its channel or its number) with what the card shows of its timeline
    (``card.facts`` over the whole timeline gives the same), in one statement: its columns, the
    playbook events, the maintenance note, the latest update and how many events there are.
    The alerts are counted by another statement only when there are some, which returns only
    the few the card lists; the open action items are read only when there are some. Its cost
    no longer grows with every update, and an alert storm's thousands of events are counted by
    the database, not parsed here."""
    if channel_id is not None:
        rows = read(session, _CARD_BY_CHANNEL, {"channel_id": channel_id}).all()
    else:
        rows = read(session, _CARD_BY_NUMBER, {"number": number}).all()
    if not rows:
        return None
    first = rows[0]
    actions = open_action_items(session, first.id) if first.open_actions else []
    return CardRead(first, _card_facts(session, first.id, rows), actions)


def _card_facts(session: Session, incident_id: int, rows: Sequence[Row[Any]]) -> card.CardFacts:
    events = [to_event(r.kind, r.at, r.actor, r.data, r.dedup_key) for r in rows if r.kind]
    playbook_events = tuple(e for e in events if e.kind in card.PLAYBOOK_KINDS)
    updates = [e for e in events if isinstance(e.payload, payloads.UpdatePosted)]
    latest = updates[-1] if updates else None
    stored = any(r.kind == payloads.EventKind.UPDATE_POSTED.value for r in rows)
    if stored and latest is None:  # the latest update is malformed (rare): the latest that reads
        latest = last_update(session, incident_id)
    notes = (card.maintenance_note(e) for e in events)
    return card.CardFacts(
        events=rows[0].total,
        alerts=_alert_tally(session, incident_id) if rows[0].alerts else card.AlertTally(),
        playbook_events=playbook_events,
        last_update=latest,
        maintenance=next((note for note in notes if note is not None), None),
    )


def _alert_tally(session: Session, incident_id: int) -> card.AlertTally:
    rows = read(session, _ALERTS_QUERY, {"incident_id": incident_id}).all()
    if not rows:
        return card.AlertTally()
    latest = tuple(to_event(r.kind, r.at, r.actor, r.data, r.dedup_key) for r in rows)
    return card.AlertTally(rows[0].firing, rows[0].alerts - rows[0].firing, latest)


def _card_query(incident: ColumnElement[bool]) -> Select[Any]:
    """``card_read``'s statement for the incident ``incident`` picks, built once (building it
    cost more CPU than running it)."""
    event, other = TimelineEventRow, aliased(TimelineEventRow)
    of_incident = other.incident_id == IncidentRow.id
    latest_update = (
        select(other.id)
        .where(of_incident, other.kind == payloads.EventKind.UPDATE_POSTED.value)
        .order_by(other.at.desc(), other.id.desc())
        .limit(1)
        .correlate(IncidentRow)
        .scalar_subquery()
    )
    # The incident in each branch of the OR, so that SQLite finds each branch's rows by an index
    # (kind, dedup key, id) instead of reading every event of the incident to test the OR.
    of_this = event.incident_id == IncidentRow.id
    shown = or_(
        and_(of_this, event.kind.in_([kind.value for kind in sorted(card.PLAYBOOK_KINDS)])),
        and_(of_this, event.dedup_key == card.IN_MAINTENANCE),
        and_(of_this, event.id == latest_update),
    )
    count = select(func.count()).where(of_incident).correlate(IncidentRow).scalar_subquery()
    alerts = exists().where(of_incident, other.kind.in_(_ALERT_KINDS)).correlate(IncidentRow)
    open_actions = (
        exists()
        .where(ActionItemRow.incident_id == IncidentRow.id, ActionItemRow.done_at.is_(None))
        .correlate(IncidentRow)
    )
    # From the incident, so its row and the count come back even when no event is shown.
    return (
        select(
            IncidentRow.__table__,
            count.label("total"),
            alerts.label("alerts"),  # else no tally to read
            open_actions.label("open_actions"),  # else none to read
            *_EVENT_COLUMNS,
        )
        .outerjoin(event, shown)
        .where(incident)
        .order_by(event.at, event.id)
    )


def _alerts_query() -> Select[Any]:
    """``card.AlertTally`` in one statement: each alert's latest event (by source and
    fingerprint as stored), how many of those fire, how many alerts there are, and the
    ``LATEST_ALERTS`` that changed last, each row carrying the counts."""
    event = TimelineEventRow
    stored = event.data  # the JSON column: the database reads the key, nothing is parsed here
    source, fingerprint = stored["source"].as_string(), stored["fingerprint"].as_string()
    newest_first = (event.at.desc(), event.id.desc())
    ranked = (
        select(
            event.id,
            event.kind,
            event.at,
            func.row_number()
            .over(partition_by=(source, fingerprint), order_by=newest_first)
            .label("rank"),
        )
        .where(
            event.incident_id == bindparam("incident_id"),
            event.kind.in_(_ALERT_KINDS),
            source.is_not(None),
            fingerprint.is_not(None),
        )
        .subquery()
    )
    firing = case((ranked.c.kind == payloads.EventKind.ALERT_FIRING.value, 1), else_=0)
    alerts = (
        select(
            ranked.c.id,
            func.sum(firing).over().label("firing"),
            func.count().over().label("alerts"),
            func.row_number()
            .over(order_by=(ranked.c.at.desc(), ranked.c.id.desc()))
            .label("recency"),
        )
        .where(ranked.c.rank == 1)
        .subquery()
    )
    return (
        select(alerts.c.firing, alerts.c.alerts, *_EVENT_COLUMNS)
        .join(event, event.id == alerts.c.id)
        .where(alerts.c.recency <= card.LATEST_ALERTS)
        .order_by(alerts.c.recency)
    )


_EVENT_COLUMNS = (
    TimelineEventRow.kind,
    TimelineEventRow.at,
    TimelineEventRow.actor,
    TimelineEventRow.data,
    TimelineEventRow.dedup_key,
)
_ALERT_KINDS = [kind.value for kind in sorted(card.ALERT_KINDS)]
_CARD_BY_CHANNEL = _card_query(IncidentRow.channel_id == bindparam("channel_id"))
_CARD_BY_NUMBER = _card_query(IncidentRow.id == bindparam("number"))
_ALERTS_QUERY = _alerts_query()


def last_update(session: Session, incident_id: int) -> TimelineEvent | None:
    """The incident's latest update that reads as one (a malformed row is passed over), read
    from the (incident_id, kind, at) index backwards: the first row, however long the timeline."""
    result = read(session, _UPDATES_NEWEST_FIRST, {"incident_id": incident_id})
    try:
        events = (to_event(r.kind, r.at, r.actor, r.data, r.dedup_key) for r in result)
        return next((e for e in events if isinstance(e.payload, payloads.UpdatePosted)), None)
    finally:
        result.close()


_UPDATES_NEWEST_FIRST = (
    select(*_EVENT_COLUMNS)
    .where(
        TimelineEventRow.incident_id == bindparam("incident_id"),
        TimelineEventRow.kind == payloads.EventKind.UPDATE_POSTED.value,
    )
    .order_by(TimelineEventRow.at.desc(), TimelineEventRow.id.desc())
)


def event_by_id(session: Session, event_id: int) -> TimelineEvent | None:
    r = session.get(TimelineEventRow, event_id)
    if r is None:
        return None
    return to_event(r.kind, r.at, r.actor, r.data, r.dedup_key)


def to_event(
    kind: str, at: datetime, actor: str, data: object, dedup_key: str | None
) -> TimelineEvent:
    """A stored event's columns as a ``TimelineEvent``: its JSON is read into its kind's payload
    here, once (data that does not fit becomes ``Unknown``, never an error)."""
    return TimelineEvent(at, actor, payloads.parse(kind, data), dedup_key)


def open_action_items(session: Session, incident_id: int) -> list[tuple[str, str | None]]:
    """(text, owner) of the incident's open action items, oldest first."""
    rows = read(session, _OPEN_ACTION_ITEMS, {"incident_id": incident_id})
    return [(row.text, row.owner_id) for row in rows]


_OPEN_ACTION_ITEMS = (
    select(ActionItemRow.text, ActionItemRow.owner_id)
    .where(ActionItemRow.incident_id == bindparam("incident_id"), ActionItemRow.done_at.is_(None))
    .order_by(ActionItemRow.id)
)


def counts_by_state(session: Session) -> list[tuple[str, str, int]]:
    """(status, severity, count) of every incident: the ``warroom_incidents`` gauge. Private
    incidents are counted too: these labels name no service or title, so nothing leaks."""
    by_state = session.execute(
        select(IncidentRow.status, IncidentRow.severity, func.count()).group_by(
            IncidentRow.status, IncidentRow.severity
        )
    )
    return [(status, severity, count) for status, severity, count in by_state]


def customer_facing(session: Session, since: datetime) -> list[tuple[Incident, TimelineEvent]]:
    """Every customer-facing update (``public_update``) of incidents open or resolved since
    ``since``, with its incident, oldest first: one query for the whole status page."""
    rows = session.execute(
        select(IncidentRow, TimelineEventRow)
        .join(TimelineEventRow, TimelineEventRow.incident_id == IncidentRow.id)
        .where(
            TimelineEventRow.kind == payloads.EventKind.PUBLIC_UPDATE.value,
            IncidentRow.private.is_(False),  # a private incident is never on the status page
            or_(IncidentRow.resolved_at.is_(None), IncidentRow.resolved_at >= since),
        )
        .order_by(TimelineEventRow.at, TimelineEventRow.id)
    )
    return [
        (to_domain(incident), to_event(e.kind, e.at, e.actor, e.data, e.dedup_key))
        for incident, e in rows
    ]
