"""Each incident is announced exactly once in #incidents across three real `warroom serve`
replicas on one database, while status updates to it arrive through every replica at once.

The announcement timer is coalesced (one key per incident) and rescheduled by every change; the
replicas race to claim it, to join #incidents (the bot is not in it at first) and to post. Each
incident must end with one post, edited in place to its latest state, and no failed timer.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.incidents.rows import IncidentRow
from bot.kernel.timers.rows import Timer
from tests.replicas.harness import SIGNING_SECRET, PagingStorm, wait_for
from warroom_sandbox.seed import MANAGER
from warroom_sandbox.signing import SlackDriver

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

INCIDENTS = 6
ANNOUNCEMENTS = """
announcements:
  channels: ["#incidents"]
"""


def test_three_replicas_announce_each_incident_once(own_database_url: str, tmp_path: Path) -> None:
    with PagingStorm(
        workdir=tmp_path,
        database_url=own_database_url,
        replicas=3,
        incidents=INCIDENTS,
        level0_delay_minutes=60,
        hold_seconds=0,
        handoff_reminder_in=3600,
        config_files={"announcements.yaml": ANNOUNCEMENTS},
    ) as storm:
        state = storm.slack.emulator.state
        incidents = state.create_channel("incidents", MANAGER, members=[MANAGER])
        storm.declare_all()
        channels = wait_for(lambda: incident_channels(storm), 90, "every incident's channel")
        wait_for(lambda: len(posts(storm, incidents.id)) >= INCIDENTS, 60, "the announcements")

        drivers = [
            SlackDriver(f"{r.url}/slack/events", SIGNING_SECRET, storm.slack.emulator)
            for r in storm.replicas
        ]
        try:
            with ThreadPoolExecutor(len(drivers) * 2) as pool:
                answers = list(
                    pool.map(
                        lambda job: drivers[job[0]].slash_command(
                            text=f"update Update {job[0]} for {job[1]}",
                            user_id=MANAGER,
                            channel_id=job[1],
                        ),
                        [(i, channel) for channel in channels for i in range(len(drivers))],
                    )
                )
        finally:
            for driver in drivers:
                driver.close()
        assert {a.status_code for a in answers} == {200}
        time.sleep(3)
        storm.wait_quiet(timeout=90)

        announced = posts(storm, incidents.id)
        per_incident = Counter(next(c for c in channels if f"<#{c}>" in text) for text in announced)
        assert sorted(per_incident.values()) == [1] * INCIDENTS, per_incident
        assert all("Last update" in text for text in announced)
        assert failed_timers(storm) == []


def incident_channels(storm: PagingStorm) -> list[str] | None:
    with storm.db.connect() as connection:
        found = [c for c in connection.execute(select(IncidentRow.channel_id)).scalars() if c]
    return found if len(found) == INCIDENTS else None


def posts(storm: PagingStorm, channel_id: str) -> list[str]:
    messages = storm.slack.emulator.state.messages(channel_id)
    return [m.all_text for m in messages if "incident #" in m.all_text]


def failed_timers(storm: PagingStorm) -> list[str]:
    with storm.db.connect() as connection:
        return list(connection.execute(select(Timer.key).where(Timer.status == "failed")).scalars())
