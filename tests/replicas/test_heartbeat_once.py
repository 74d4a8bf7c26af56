"""A silent heartbeat pages exactly once across three real `warroom serve` replicas (issue 13).

Three replicas share one database (a SQLite file, and PostgreSQL when
``WARROOM_TEST_DATABASE_URL`` names one). ``queue-drainer`` is expected every minute for
``checkout-api`` (whose policy pages Olivia through the ``primary`` schedule, in Slack and at
PagerDuty). It beats through every replica, then goes quiet: once its minute is up, each replica's
timer sweep sees the silence timer due, and exactly one incident must open, with one page DM and
one PagerDuty trigger. Then it beats again through all three replicas at once: the recovery is
said exactly once in the incident's channel and on its timeline.

Real processes keep real time, so this waits out the monitor's minute (``interval_minutes`` is
whole minutes): about 90 s a run.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.heartbeats.rows import HeartbeatRow
from bot.incidents.rows import IncidentRow, TimelineEventRow
from bot.kernel.timers.rows import Timer
from tests.replicas.harness import (
    FIRST,
    SECOND,
    SERVICE,
    PagingStorm,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

TOKEN = "replicas-heartbeat-token"
MONITOR = "queue-drainer"
TITLE = f"Heartbeat {MONITOR} is silent (expected every 1 min)"
BEATS_AGAIN = f"Heartbeat {MONITOR} beats again"
HEARTBEATS = f"""
heartbeats:
  - {{name: {MONITOR}, interval_minutes: 1, service: {SERVICE}}}
"""


@pytest.mark.postgres
def test_three_replicas_on_postgres_page_a_silent_heartbeat_once(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    silence_pages_once(postgres_url, tmp_path, monkeypatch)


def test_three_replicas_on_one_sqlite_file_page_a_silent_heartbeat_once(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    silence_pages_once(sqlite_url, tmp_path, monkeypatch)


def silence_pages_once(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTBEATS_TOKEN", TOKEN)  # every replica's environment has it
    with PagingStorm(
        workdir=tmp_path,
        database_url=database_url,
        replicas=3,
        incidents=0,
        level0_delay_minutes=60,  # level 1 (Liam) would page an hour later: never in this test
        hold_seconds=0,
        handoff_reminder_in=3600,  # the harness's handoff reminder stays out of the way
        config_files={"heartbeats.yaml": HEARTBEATS},
    ) as storm:
        urls = [replica.url for replica in storm.replicas]
        with httpx.Client(timeout=30) as http:
            for url in urls:  # it beats, through every replica in turn
                assert beat(http, url).status_code == 200
            assert beats_recorded(storm) == 3

            # Silent: a minute after the last beat every replica's sweep finds the timer due.
            wait_for(lambda: incident_count(storm) >= 1, 120, "the silent monitor's incident")
            channel = wait_for(lambda: incident_channel(storm), 60, "the incident's channel")
            wait_for(lambda: storm.slack.page_dms(FIRST), 60, "the page DM to the on-call")
            wait_for(lambda: storm.pagerduty.triggers(), 60, "the PagerDuty trigger")
            time.sleep(5)  # ten more sweeps on each replica: nothing more may come of it
            storm.wait_quiet(timeout=60)

            # It beats again through all three replicas at once.
            with ThreadPoolExecutor(len(urls)) as pool:
                answers = list(pool.map(lambda url: beat(http, url), urls))
            assert [a.status_code for a in answers] == [200] * len(urls)
            wait_for(lambda: said_in(storm, channel, BEATS_AGAIN), 60, "the beats-again note")
            time.sleep(3)
            storm.wait_quiet(timeout=60)

        assert incident_titles(storm) == [TITLE]
        page_dms = Counter(storm.slack.page_dms(FIRST))
        assert list(page_dms.values()) == [1], page_dms
        assert storm.slack.page_dms(SECOND) == []
        triggers = storm.pagerduty.triggers()
        assert list(triggers.values()) == [1], triggers
        assert len(storm.pagerduty.incidents()) == 1
        assert said_in(storm, channel, BEATS_AGAIN) == 1
        assert noted_on_timeline(storm, BEATS_AGAIN) == 1
        assert failed_timers(storm) == []
        assert beats_recorded(storm) == 3 + len(urls)


def beat(http: httpx.Client, url: str) -> httpx.Response:
    return http.post(
        f"{url}/webhooks/heartbeat/{MONITOR}", headers={"Authorization": f"Bearer {TOKEN}"}
    )


def beats_recorded(storm: PagingStorm) -> int:
    with storm.db.connect() as connection:
        return int(
            connection.execute(
                select(HeartbeatRow.beats).where(HeartbeatRow.name == MONITOR)
            ).scalar_one()
        )


def incident_count(storm: PagingStorm) -> int:
    with storm.db.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(IncidentRow)).scalar_one())


def incident_titles(storm: PagingStorm) -> list[str]:
    with storm.db.connect() as connection:
        return list(connection.execute(select(IncidentRow.title)).scalars())


def incident_channel(storm: PagingStorm) -> str | None:
    with storm.db.connect() as connection:
        return connection.execute(select(IncidentRow.channel_id)).scalar_one_or_none()


def said_in(storm: PagingStorm, channel: str, text: str) -> int:
    messages = storm.slack.emulator.state.messages(channel)
    return sum(1 for message in messages if text in message.all_text)


def noted_on_timeline(storm: PagingStorm, text: str) -> int:
    with storm.db.connect() as connection:
        rows = connection.execute(select(TimelineEventRow.data)).scalars()
        return sum(1 for data in rows if isinstance(data, dict) and data.get("text") == text)


def failed_timers(storm: PagingStorm) -> list[str]:
    with storm.db.connect() as connection:
        return list(connection.execute(select(Timer.key).where(Timer.status == "failed")).scalars())
