"""``warroom serve --workers 2``: two processes serve the one port, each with its own timer
runner, and each incident's side effects still happen once (the runners share the database's
timers through leases, on SQLite as on PostgreSQL); the workers stop with their parent, even
when it is killed."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from sqlalchemy import Engine

from tests.replicas.harness import SIGNING_SECRET, Replica, replica_env, wait_for
from warroom_sandbox import FakeSlackServer
from warroom_sandbox.seed import GENERAL, MANAGER
from warroom_sandbox.signing import SlackDriver

E2E_CONFIG = Path(__file__).parent / "config"
UNUSED_PAGERDUTY = "http://127.0.0.1:9"
INCIDENTS = 6


def _workers_of(server: Replica) -> list[int]:
    assert server.process is not None
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    # multiprocessing also starts its resource tracker: the workers are the spawned ones
    return [
        int(child)
        for child in children
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's exit may wait for init to reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_two_workers_serve_the_port_and_each_incident_is_provisioned_once(
    database_url: str, engine: Engine, fake_slack_server: FakeSlackServer, tmp_path: Path
) -> None:
    """``engine``: the tables start empty (no timer left by an earlier test fires here)."""
    fake_slack_server.reset()
    env = replica_env(database_url, fake_slack_server.api_url, UNUSED_PAGERDUTY, E2E_CONFIG)
    env["WEB_CONCURRENCY"] = "2"
    env["PUBLIC_URL"] = "https://warroom.example.com"
    server = Replica("serve", env, tmp_path, tmp_path / "serve.log")
    server.start()
    driver = SlackDriver(f"{server.url}/slack/events", SIGNING_SECRET, fake_slack_server)
    try:
        server.wait_ready()

        def both_started() -> list[int] | None:
            # /readyz answers once one worker is up; the other may still be starting
            started = re.findall(r"Application startup complete", server.log.read_text())
            workers = _workers_of(server)
            return workers if len(workers) == 2 and len(started) == 2 else None

        workers = wait_for(both_started, 60, "both workers started")
        started = re.findall(r"Started server process \[(\d+)\]", server.log.read_text())
        assert sorted(map(int, started)) == sorted(workers)
        for i in range(INCIDENTS):
            answer = driver.slash_command(
                text=f"declare Worker storm {i + 1} sev3", user_id=MANAGER, channel_id=GENERAL
            )
            assert answer.status_code == 200, answer.text

        def provisioned() -> bool:
            return len(fake_slack_server.calls("conversations.setTopic")) >= INCIDENTS

        wait_for(provisioned, 60, f"{INCIDENTS} channels set up")
        created = Counter(c.params["name"] for c in fake_slack_server.calls("conversations.create"))
        assert len(created) == INCIDENTS, created
        assert set(created.values()) == {1}, created
        pinned = Counter(c.params["channel"] for c in fake_slack_server.calls("pins.add"))
        assert len(pinned) == INCIDENTS, pinned
        assert set(pinned.values()) == {1}, pinned
        assert all(_running(pid) for pid in workers)  # neither one crashed
        # kill -9 of the parent takes its workers along: no orphan keeps serving or firing timers
        server.kill()
        wait_for(lambda: not any(map(_running, workers)), 30, "the workers to stop with the parent")
    finally:
        driver.close()
        server.stop()
    assert "Traceback" not in server.log.read_text(), server.tail()
