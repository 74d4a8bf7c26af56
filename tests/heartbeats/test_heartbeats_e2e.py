"""Heartbeat monitors end to end over HTTP: a beat is recorded and re-arms the silence timer;
silence declares one incident that pages the service's policy; a beat after silence is noted on
that incident; refusals say what to fix and a body never makes a beat fail."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.heartbeats.rows import HeartbeatRow
from bot.heartbeats.timers import silence_key
from bot.incidents.domain.timeline import EventKind
from bot.incidents.rows import IncidentRow
from bot.kernel.timers import store as timers
from tests.e2e.conftest import ONCALL, Bot, eventually
from tests.heartbeats.conftest import Beats

SILENT_TITLE = "Heartbeat nightly-backup is silent (expected every 60 min)"


def incidents(bot: Bot) -> int:
    with bot.app.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(IncidentRow)) or 0)


def silence_due(bot: Bot, name: str = "nightly-backup") -> datetime:
    with bot.app.sessions() as session:
        state = timers.get(session, silence_key(name))
    assert state is not None
    assert state.status == "pending"
    return state.due_at


def beat_count(bot: Bot, name: str = "nightly-backup") -> int:
    with bot.app.sessions() as session:
        row = session.get(HeartbeatRow, name)
        return row.beats if row else 0


def go_silent(bot: Bot, beats: Beats) -> None:
    assert beats.post("nightly-backup").status_code == 200
    bot.clock.advance(timedelta(minutes=71))
    eventually(lambda: incidents(bot) == 1, what="the silent monitor's incident")


def test_a_beat_is_recorded_and_re_arms_the_silence_timer(bot: Bot, beats: Beats) -> None:
    before = bot.clock()
    response = beats.post("nightly-backup")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "recorded"
    assert body["monitor"] == "nightly-backup"
    assert beat_count(bot) == 1  # a 200 means recorded
    first_due = silence_due(bot)
    assert timedelta(minutes=70) <= first_due - before < timedelta(minutes=71)
    assert datetime.fromisoformat(body["silent_at"]) == first_due

    bot.clock.advance(timedelta(minutes=50))  # in time: re-armed from this beat
    assert beats.post("nightly-backup").status_code == 200
    assert beat_count(bot) == 2
    assert silence_due(bot) - first_due >= timedelta(minutes=50)
    bot.clock.advance(timedelta(minutes=30))  # past the first due, within the second
    time.sleep(1)  # several timer sweeps
    assert incidents(bot) == 0


def test_silence_declares_exactly_one_incident_and_pages(bot: Bot, beats: Beats) -> None:
    go_silent(bot, beats)
    view = bot.app.incidents.view_by_number(1)
    assert view is not None
    assert view.incident.title == SILENT_TITLE
    assert view.incident.service == "orders-db"
    assert view.incident.declarer == "warroom"
    dm = eventually(
        lambda: next(
            (m for m in bot.slack.state.dm_messages(ONCALL) if "You are paged" in m.all_text),
            None,
        ),
        what="the page to orders-db's on-call",
    )
    assert "Heartbeat nightly-backup is silent" in dm.all_text

    bot.clock.advance(timedelta(hours=5))  # still silent: nothing more is declared
    time.sleep(1)
    assert incidents(bot) == 1


def test_a_beat_after_silence_is_noted_on_the_incident_and_re_arms(bot: Bot, beats: Beats) -> None:
    go_silent(bot, beats)
    assert beats.post("nightly-backup").status_code == 200

    def noted() -> bool:
        view = bot.app.incidents.view_by_number(1)
        assert view is not None
        return any(
            e.kind is EventKind.NOTE_ADDED
            and e.data.get("text") == "Heartbeat nightly-backup beats again"
            for e in view.timeline
        )

    eventually(noted, what="the beats-again note")
    assert silence_due(bot) > bot.clock()
    # Silent again later: a new incident, since the first one's silence ended.
    bot.clock.advance(timedelta(minutes=71))
    eventually(lambda: incidents(bot) == 2, what="a second silence's incident")


def test_a_wrong_or_missing_token_is_refused_naming_the_setting(bot: Bot, beats: Beats) -> None:
    for response in (
        beats.post("nightly-backup", token="wrong"),
        beats.post("nightly-backup", token=None),
        beats.post("nightly-backup", token=None, Authorization="Basic eDp5"),
        beats.http.post(  # not ASCII: compared as the bytes sent, refused, never a 5xx
            f"{beats.base_url}/webhooks/heartbeat/nightly-backup",
            headers={"Authorization": "Bearer caf\u00e9".encode("latin-1")},
        ),
    ):
        assert response.status_code == 401
        assert "HEARTBEATS_TOKEN" in response.json()["error"]
    assert beat_count(bot) == 0


def test_an_unknown_monitor_is_404_with_a_hint_and_the_known_names(bot: Bot, beats: Beats) -> None:
    response = beats.post("nightly-backups")
    assert response.status_code == 404
    error = response.json()["error"]
    assert "did you mean 'nightly-backup'?" in error
    assert "nightly-backup, queue-drainer" in error


def test_any_body_is_accepted_and_never_a_5xx(bot: Bot, beats: Beats) -> None:
    for body, content_type in (
        (b"{not json", "application/json"),
        (b"\xff\xfe\x00garbage", "application/octet-stream"),
        (b'{"receiver": "warroom", "alerts": [{"labels": {"alertname": "Watchdog"}}]}', "x/y"),
        (b"x" * 2_000_000, "text/plain"),
    ):
        response = beats.post("nightly-backup", body, **{"Content-Type": content_type})
        assert response.status_code == 200, response.text
    assert beat_count(bot) == 4
