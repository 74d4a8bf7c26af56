"""The on-call load's loader: shifts from the config's schedules with the overrides of both the
config and the database, pages from the database, each person in their own zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert

from bot.config.loader import load_config
from bot.incidents.rows import IncidentRow
from bot.insights.domain.oncall_load import load
from bot.insights.oncall_history import load_oncall
from bot.kernel.storage.db import make_session_factory
from bot.oncall.rows import OverrideRow
from bot.paging.rows import DeliveryRow, PageRow

USERS = """
users:
  - {name: Ana, slack_id: U0ANA, tz: Europe/Berlin}
  - {name: Ben, slack_id: U0BEN}
  - {name: Cy, slack_id: U0CY, tz: Asia/Tokyo}
"""
SCHEDULES = """
schedules:
  - name: web
    time_zone: America/New_York
    layers:
      - name: weekly
        users: [U0ANA, U0BEN]
        rotation_virtual_start: 2026-03-02 09:00
        turn: weekly
  - name: db
    time_zone: UTC
    layers:
      - name: always
        users: [U0CY]
        rotation_virtual_start: 2026-03-02 00:00
        turn: weekly
"""
POLICIES = """
escalation_policies:
  - name: web-policy
    levels:
      - delay_minutes: 5
        targets: [{schedule: web}]
"""
SERVICES = """
services:
  - {name: web, escalation_policy: web-policy}
"""
START = datetime(2026, 3, 2, 14, tzinfo=UTC)  # 09:00 in New York


def write_config(folder: Path) -> Path:
    folder.mkdir()
    for name, text in (
        ("users", USERS),
        ("schedules", SCHEDULES),
        ("escalation_policies", POLICIES),
        ("services", SERVICES),
    ):
        (folder / f"{name}.yaml").write_text(text)
    return folder


def incident(number: int, service: str, private: bool = False) -> dict[str, object]:
    return {
        "id": number,
        "title": f"Incident {number}",
        "severity": "SEV2",
        "status": "resolved",
        "service": service,
        "declarer_id": "U0ANA",
        "lead_id": "U0ANA",
        "channel_name": f"inc-{number}",
        "declared_at": START,
        "private": private,
    }


def page(number: int, at: datetime, acked: datetime | None, by: str | None) -> dict[str, object]:
    return {
        "id": number,
        "incident_id": number,
        "target": "schedule:web",
        "requested_by": "U0ANA",
        "policy": {},
        "started_at": at,
        "acknowledged_at": acked,
        "acknowledged_by": by,
        "fired": [],
    }


def delivery(page_id: int, person: str, at: datetime, channel: str = "slack") -> dict[str, object]:
    return {
        "key": f"d:{page_id}:{person}:{channel}",
        "page_id": page_id,
        "user_ref": person,
        "channel": channel,
        "created_at": at,
    }


def test_shifts_overrides_pages_and_zones_over_a_range(engine: Engine, tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path / "config"))
    night = datetime(2026, 3, 4, 23, 30, tzinfo=UTC)  # 00:30 in Berlin
    with engine.begin() as connection:
        connection.execute(
            insert(IncidentRow), [incident(1, "web"), incident(2, "web", private=True)]
        )
        connection.execute(
            insert(PageRow),
            [page(1, night, night + timedelta(minutes=3), "U0ANA"), page(2, night, None, None)],
        )
        connection.execute(
            insert(DeliveryRow),
            [
                delivery(1, "U0ANA", night),
                delivery(1, "U0ANA", night + timedelta(minutes=1), "pagerduty"),
                delivery(2, "U0ANA", night),
            ],
        )
        connection.execute(
            insert(OverrideRow),
            {
                "schedule": "web",
                "user_ref": "U0CY",
                "starts_at": START + timedelta(days=1),
                "ends_at": START + timedelta(days=2),
                "created_by": "U0ANA",
                "created_at": START,
            },
        )
    since, until = START, START + timedelta(days=14)
    with make_session_factory(engine)() as session:
        history = load_oncall(session, config, since, until, hidden=[2])
        web_only = load_oncall(session, config, since, until, service="web")

    assert history.zones == {
        "U0ANA": "Europe/Berlin",
        "U0BEN": "America/New_York",  # no tz of his own: his schedule's
        "U0CY": "Asia/Tokyo",
    }
    web = [(s.person, s.end - s.start) for s in history.shifts if s.schedule == "web"]
    assert web == [
        ("U0ANA", timedelta(days=1)),
        ("U0CY", timedelta(days=1)),  # the override from /oncall
        ("U0ANA", timedelta(days=5, hours=-1)),  # New York springs forward on 8 March
        ("U0BEN", timedelta(days=7)),
        ("U0ANA", timedelta(hours=1)),  # the range ends at 14:00 UTC, now 10:00 in New York
    ]
    # Page 1 reached Ana once (its first delivery); page 2 is a hidden private incident's.
    assert [(p.person, p.at, p.acknowledged_by) for p in history.pages] == [
        ("U0ANA", night, "U0ANA")
    ]
    assert {s.schedule for s in web_only.shifts} == {"web"}
    assert len(web_only.pages) == 2

    figures = load(history.shifts, history.pages, since, until, history.zones)
    ana = next(p for p in figures.people if p.person == "U0ANA")
    assert (ana.pages, ana.night_pages) == (1, 1)
    assert ana.acknowledged is not None
    assert ana.acknowledged.median == 180
    assert ana.hours.total == 6 * 24
    assert {f.schedule: f.people for f in figures.fairness} == {"db": 1, "web": 3}
    assert history.members == {"web": ("U0ANA", "U0BEN"), "db": ("U0CY",)}
