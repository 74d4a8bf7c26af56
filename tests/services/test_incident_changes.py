"""``repo.save_change`` writes a change of an incident as the ORM's versioned flush did: only
the changed columns, the version up by one, a stale version refused (the service then reads the
incident again), nothing written when nothing changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from bot.incidents import repo
from bot.incidents.domain import incident as domain
from bot.incidents.domain.severity import Severity
from bot.incidents.rows import IncidentRow
from bot.kernel.storage.db import make_session_factory

T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


def _declared(sessions: sessionmaker[Session]) -> domain.Incident:
    incident, _ = domain.declare(
        number=1, title="Checkout errors", severity=Severity.SEV2, declarer="U0DECL", now=T0
    )
    with sessions.begin() as session:
        number = repo.insert(session, incident, None, None)
    return repo.to_domain(_row(sessions, number))


def _row(sessions: sessionmaker[Session], number: int) -> IncidentRow:
    with sessions() as session:
        row = session.scalars(select(IncidentRow).where(IncidentRow.id == number)).one()
        session.expunge(row)
        return row


def test_a_change_writes_what_changed_and_counts_a_version(
    sessions: sessionmaker[Session],
) -> None:
    before = _declared(sessions)
    version = _row(sessions, before.number).version
    after, _ = domain.post_update(before, "rolled back", "U0LEAD", T0 + timedelta(minutes=5))
    after, _ = domain.change_severity(after, Severity.SEV1, "U0LEAD", T0 + timedelta(minutes=6))

    with sessions.begin() as session:
        repo.save_change(session, before.number, version, before, after)

    row = _row(sessions, before.number)
    assert repo.to_domain(row) == after
    assert row.severity == Severity.SEV1.value
    assert row.last_update_at == T0 + timedelta(minutes=5)
    assert row.version == version + 1
    assert row.channel_name == f"inc-{before.number}-checkout-errors"  # not the change's to touch


def test_a_change_on_a_stale_version_is_refused_and_writes_nothing(
    sessions: sessionmaker[Session],
) -> None:
    before = _declared(sessions)
    version = _row(sessions, before.number).version
    after, _ = domain.change_severity(before, Severity.SEV1, "U0LEAD", T0)

    with pytest.raises(StaleDataError), sessions.begin() as session:
        repo.save_change(session, before.number, version - 1, before, after)

    row = _row(sessions, before.number)
    assert (row.severity, row.version) == (Severity.SEV2.value, version)


def test_a_change_that_changes_no_column_writes_nothing(sessions: sessionmaker[Session]) -> None:
    before = _declared(sessions)
    version = _row(sessions, before.number).version

    with sessions.begin() as session:
        repo.save_change(session, before.number, version - 1, before, before)  # no write: no check

    assert _row(sessions, before.number).version == version
