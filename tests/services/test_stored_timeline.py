"""The repository reads stored timeline rows into typed payloads, once, and writes payloads back
as the same JSON: rows in today's shape (every kind) load, and rows it cannot read load as
``Unknown`` instead of failing the whole timeline."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session, sessionmaker

from bot.incidents import repo
from bot.incidents.domain import card
from bot.incidents.domain import incident as domain
from bot.incidents.domain.events import EventKind, Unknown
from bot.incidents.domain.severity import Severity
from bot.incidents.domain.timeline import TimelineEvent
from bot.incidents.rows import IncidentRow, TimelineEventRow
from bot.kernel.storage.db import make_session_factory
from bot.postmortems.drafting import read_record
from tests.domain.stored_events import ALERT_DATA, STORED, UNREADABLE

T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


def _incident(session: Session, number: int) -> None:
    incident, _ = domain.declare(
        number=number, title="Checkout errors", severity=Severity.SEV2, declarer="U0DECL", now=T0
    )
    row = IncidentRow(
        id=number,
        channel_name=f"inc-{number}-checkout-errors",
        declarer_id=incident.declarer,
        private=incident.private,
        **repo.owned_columns(incident),
    )
    session.add(row)
    session.flush()


def _rows(number: int, stored: list[tuple[str, object]]) -> list[dict[str, Any]]:
    return [
        {
            "incident_id": number,
            "at": T0 + timedelta(seconds=i),
            "recorded_at": T0,
            "actor": "U0LEAD",
            "kind": kind,
            "data": data,
            "dedup_key": None,
        }
        for i, (kind, data) in enumerate(stored)
    ]


def test_rows_in_todays_shape_load_as_typed_payloads(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        _incident(session, 1)
        session.execute(insert(TimelineEventRow), _rows(1, [(k, d) for k, d, _ in STORED]))

    with sessions() as session:
        loaded = repo.timeline(session, 1)
        first_id = session.scalars(
            select(TimelineEventRow.id).order_by(TimelineEventRow.id)
        ).first()
        assert first_id is not None
        by_id = repo.event_by_id(session, first_id)
        drafted = read_record(session, 1).timeline

    assert [e.payload for e in loaded] == [payload for _, _, payload in STORED]
    assert by_id == loaded[0]
    assert drafted == loaded


def test_appended_payloads_are_stored_as_the_same_json(sessions: sessionmaker[Session]) -> None:
    events = [
        TimelineEvent(T0 + timedelta(seconds=i), "U0LEAD", p) for i, (_, _, p) in enumerate(STORED)
    ]
    with sessions.begin() as session:
        _incident(session, 2)
        repo.append(session, 2, events, T0)

    with sessions() as session:
        stored = session.execute(
            select(TimelineEventRow.kind, TimelineEventRow.data)
            .where(TimelineEventRow.incident_id == 2)
            .order_by(TimelineEventRow.id)
        ).all()

    assert [(kind, data) for kind, data in stored] == [(k, d) for k, d, _ in STORED]


def test_rows_it_cannot_read_load_as_unknown(sessions: sessionmaker[Session]) -> None:
    readable = [(k, d) for k, d, _ in STORED[:3]]
    with sessions.begin() as session:
        _incident(session, 3)
        session.execute(insert(TimelineEventRow), _rows(3, [*readable, *UNREADABLE]))

    with sessions() as session:
        loaded = repo.timeline(session, 3)

    assert [e.payload for e in loaded[:3]] == [payload for _, _, payload in STORED[:3]]
    unknown = [e.payload for e in loaded[3:]]
    assert all(isinstance(p, Unknown) for p in unknown)
    assert [(p.stored_kind, p.data) for p in unknown if isinstance(p, Unknown)] == [
        (kind, data if isinstance(data, dict) else {}) for kind, data in UNREADABLE
    ]


def test_the_card_reads_the_same_facts_as_the_whole_timeline_gives(
    sessions: sessionmaker[Session],
) -> None:
    """``repo.card_read`` reads only the events the card shows; the card it makes must be the
    one the whole timeline makes, malformed rows included (the last update stored is one)."""
    note = {"text": "checkout is in maintenance until 15:00 UTC"}
    stored = [(k, d) for k, d, _ in STORED] + list(UNREADABLE)
    with sessions.begin() as session:
        _incident(session, 4)
        rows = _rows(4, stored)
        rows.append({**_rows(4, [("note_added", note)])[0], "dedup_key": card.IN_MAINTENANCE})
        session.execute(insert(TimelineEventRow), rows)

    with sessions() as session:
        whole = repo.timeline(session, 4)
        read = _card_facts(session, 4)
        public = repo.timeline(session, 4, [EventKind.PUBLIC_UPDATE])

    assert read == card.facts(whole)
    assert read.events == len(stored) + 1
    assert read.maintenance == note["text"]
    assert read.last_update is not None
    assert read.playbook_events
    assert read.alerts.latest
    assert public == [e for e in whole if e.kind is EventKind.PUBLIC_UPDATE]
    assert public  # STORED has customer-facing updates


def _alert_rows(number: int, seed: int) -> list[dict[str, Any]]:
    """An alert storm's timeline, shuffled: 40 alerts of two sources firing, some resolving,
    some firing again, a few unreadable (the card still counts them by kind) or without a
    fingerprint (not an alert it can count), with times that do not follow the rows' order."""
    rng = random.Random(seed)
    rows = []
    for _ in range(160):
        alert = rng.randrange(40)
        data: dict[str, Any] = {
            **ALERT_DATA,
            "source": "grafana" if alert % 2 else "alertmanager",
            "fingerprint": f"fp-{alert // 2}",
            "name": f"Alert{alert}",
        }
        roll = rng.random()
        if roll < 0.05:
            data["starts_at"] = "yesterday"
        elif roll < 0.08:
            del data["fingerprint"]
        kind = "alert_firing" if rng.random() < 0.6 else "alert_resolved"
        at = T0 + timedelta(seconds=rng.randrange(100))  # ties too: then the later row wins
        rows.append({**_rows(number, [(kind, data)])[0], "at": at})
    return rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_card_counts_a_storms_alerts_as_the_whole_timeline_does(
    sessions: sessionmaker[Session], seed: int
) -> None:
    with sessions.begin() as session:
        _incident(session, 10 + seed)
        session.execute(insert(TimelineEventRow), _alert_rows(10 + seed, seed))

    with sessions() as session:
        whole = repo.timeline(session, 10 + seed)
        read = _card_facts(session, 10 + seed).alerts

    assert read == card.facts(whole).alerts
    assert read.firing > 0
    assert read.resolved > 0
    assert len(read.latest) == card.LATEST_ALERTS


def _card_facts(session: Session, number: int) -> card.CardFacts:
    shown = repo.card_read(session, number=number)
    assert shown is not None
    return shown.facts
