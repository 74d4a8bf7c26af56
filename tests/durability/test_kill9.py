"""A 200 means it is recorded: declares survive a SIGKILL an instant after their ack (issue 11).

Each of ``WARROOM_KILL9_DECLARES`` (100) signed ``/incident declare <unique title> sev3``
commands is sent to one ``warroom serve``, and that server is SIGKILLed at a random instant
0-200 ms after its HTTP 200, then restarted. Two servers on one database take turns, so one
restarts while the other serves; every declare still has its own kill instant. The fake Slack
runs in this process.

To keep a hundred restarts within a few minutes on two cores, the servers are forked from a
process that has already imported the app (``tests.durability.forkserver``); each life still
runs ``bot.cli.main(["serve", ...])`` in a process of its own. ``WARROOM_KILL9_SPAWN=1`` starts
each life as a fresh interpreter instead (``tests.replicas.harness.Replica``), as deployed.

Once every server is back and no timer is due or in flight, each declared incident must exist
exactly once: one row, one channel ``inc-<n>-<slug>``, its card posted once and pinned, the
topic set, the declarer told through the command's response_url where the channel is, and one
announcement in ``#incidents`` (which the bot joins itself) naming the channel.

``WARROOM_KILL9_SEED`` replays a run's kill instants (the seed is printed). SQLite runs in the
suite's SQLite run, PostgreSQL in its PostgreSQL run (``WARROOM_TEST_DATABASE_URL``), on a
scratch database of its own (``bot.kernel.storage.scratch``).
"""

from __future__ import annotations

import os
import random
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Protocol

import httpx
import pytest
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.pool import NullPool

from bot.incidents.domain.naming import channel_name
from bot.incidents.rows import IncidentRow
from bot.kernel.timers.rows import Timer
from tests.durability.forkserver import ForkedServer, ForkServer
from tests.durability.support import due_timers, posts_to, wait_quiet
from tests.e2e.conftest import CONFIG_DIR
from tests.replicas.harness import SIGNING_SECRET, Replica, replica_env
from warroom_sandbox.seed import GENERAL, LEAD, MANAGER, ONCALL
from warroom_sandbox.server import FakeSlackServer
from warroom_sandbox.signing import SlackDriver

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

DECLARES = int(os.environ.get("WARROOM_KILL9_DECLARES", "100"))
SPAWN = os.environ.get("WARROOM_KILL9_SPAWN") == "1"
SERVERS = 2
KILL_WITHIN_SECONDS = 0.2
# A crashed request is replayed by a durable timer; one due later than this after the last
# restart is not waited for.
REPLAY_HORIZON = timedelta(seconds=120)
SETTLE_SECONDS = 240.0
DECLARERS = (ONCALL, LEAD, MANAGER)
WORDS = ("checkout", "payments", "search", "login", "billing", "queue", "cache", "dns")
UNUSED_PAGERDUTY = "http://127.0.0.1:9"  # nobody is paged: the declares name no service
ANNOUNCEMENTS = 'announcements:\n  channels: ["#incidents"]\n'


def test_declares_on_sqlite_survive_a_sigkill_just_after_their_200(
    sqlite_url: str, tmp_path: Path
) -> None:
    run_and_check(sqlite_url, tmp_path)


@pytest.mark.postgres
def test_declares_on_postgres_survive_a_sigkill_just_after_their_200(
    postgres_url: str, tmp_path: Path
) -> None:
    run_and_check(postgres_url, tmp_path)


def run_and_check(database_url: str, workdir: Path) -> None:
    seed = int(os.environ.get("WARROOM_KILL9_SEED") or random.randrange(2**32))
    print(f"WARROOM_KILL9_SEED={seed}")
    with KillNine(workdir, database_url, seed) as run:
        run.declare_all(DECLARES)
        run.settle()
        problems = run.problems()
        print(run.summary(problems))
        assert problems == [], "\n".join(problems)


class Server(Protocol):
    """A ``warroom serve`` that can be started, SIGKILLed and stopped, life after life."""

    name: str
    log: Path
    lives: int

    @property
    def url(self) -> str: ...
    def start(self) -> None: ...
    def alive(self) -> bool: ...
    def kill(self) -> None: ...
    def stop(self) -> None: ...
    def tail(self, lines: int = 60) -> str: ...


class SpawnedServer(Replica):
    """A life is a fresh interpreter (``WARROOM_KILL9_SPAWN=1``)."""

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Declared:
    title: str
    declarer: str
    response_url: str
    server: str
    kill_after: float  # seconds after the 200


@dataclass
class Timings:
    started: float = field(default_factory=time.monotonic)
    declared: float = 0.0  # when the last declare was answered
    settled: float = 0.0
    waits: list[float] = field(default_factory=list)  # for a server to be ready again


class KillNine:
    """The fake Slack, ``SERVERS`` servers on ``database_url``, and the declares they got."""

    def __init__(self, workdir: Path, database_url: str, seed: int) -> None:
        self.random = random.Random(seed)
        self.slack = FakeSlackServer(trigger_ttl=600, response_url_ttl=3600)
        self.database_url = database_url
        self.workdir = workdir
        self.servers: list[Server] = []
        self.forks: ForkServer | None = None
        self.declared: list[Declared] = []
        self.timings = Timings()
        self.db: Engine = create_engine(database_url, poolclass=NullPool)

    def __enter__(self) -> KillNine:
        self.slack.start()
        self.announced_in = self.slack.state.create_channel("incidents", MANAGER, members=[]).id
        config = self.workdir / "config"
        shutil.copytree(CONFIG_DIR, config)
        (config / "announcements.yaml").write_text(ANNOUNCEMENTS)
        env = replica_env(self.database_url, self.slack.api_url, UNUSED_PAGERDUTY, config)
        if not SPAWN:
            self.forks = ForkServer(env, self.workdir, self.workdir / "forkserver.log")
        for i in range(SERVERS):
            name = f"server-{i}"
            log = self.workdir / f"{name}.log"
            self.servers.append(
                SpawnedServer(name, env, self.workdir, log)
                if self.forks is None
                else ForkedServer(name, self.forks, log)
            )
        try:
            for server in self.servers:  # one at a time: the first one migrates
                server.start()
                wait_ready(server)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            for server in self.servers:
                server.stop()
        finally:
            if self.forks is not None:
                self.forks.close()
            self.slack.stop()
            self.db.dispose()
        if exc_type is not None:
            for server in self.servers:
                print(f"\n----- {server.name}: {server.log} (last lines) -----\n{server.tail()}")

    def declare_all(self, count: int) -> None:
        drivers = {
            s.name: SlackDriver(f"{s.url}/slack/events", SIGNING_SECRET, self.slack)
            for s in self.servers
        }
        try:
            for i in range(count):
                server = self.servers[i % len(self.servers)]
                self.timings.waits.append(wait_ready(server))
                self._declare_and_kill(i, server, drivers[server.name])
        finally:
            for driver in drivers.values():
                driver.close()
        self.timings.declared = time.monotonic()

    def _declare_and_kill(self, i: int, server: Server, driver: SlackDriver) -> None:
        title = f"Crash drill {i + 1:03d} {WORDS[i % len(WORDS)]}"
        declarer = DECLARERS[i % len(DECLARERS)]
        kill_after = self.random.uniform(0, KILL_WITHIN_SECONDS)
        response = driver.slash_command(
            text=f"declare {title} sev3", user_id=declarer, channel_id=GENERAL
        )
        answered = time.monotonic()
        assert response.status_code == 200, f"{title}: {response.status_code} {response.text}"
        assert driver.last_response_url is not None
        time.sleep(max(0.0, answered + kill_after - time.monotonic()))
        server.kill()
        server.start()
        self.declared.append(
            Declared(title, declarer, driver.last_response_url, server.name, kill_after)
        )

    def settle(self) -> None:
        """Every server up; then until everything is done, or nothing is left to do soon."""
        for server in self.servers:
            wait_ready(server)
        deadline = time.monotonic() + SETTLE_SECONDS
        # A declare killed before its listener committed is replayed one lease later: wait for
        # every timer due soon (the replays among them), whatever the check would say now.
        while time.monotonic() < deadline:
            if due_timers(self.db, REPLAY_HORIZON) == 0:
                time.sleep(1.0)
                if due_timers(self.db, REPLAY_HORIZON) == 0:
                    break
            time.sleep(0.25)
        wait_quiet(self.db, timeout=60, gap=1.0)
        self.timings.settled = time.monotonic()

    def problems(self) -> list[str]:
        """Everything that is not exactly as the declarers should see it, one line each."""
        with self.db.connect() as connection:
            rows = connection.execute(select(IncidentRow.id, IncidentRow.title)).all()
            failed = connection.execute(
                select(Timer.key, Timer.last_error).where(Timer.status == "failed")
            ).all()
        titles = Counter(title for _, title in rows)
        wanted = {d.title for d in self.declared}
        problems = [f"timer {key} failed: {error}" for key, error in failed]
        lost = [d for d in self.declared if titles[d.title] == 0]
        if lost:
            vanished = f"{len(lost)} of {len(self.declared)} declares vanished"
            problems.append(f"{vanished}: {_kills(lost)}")
        problems += [f"{title!r} declared {n} times" for title, n in titles.items() if n > 1]
        problems += [f"{title!r} was never declared" for title in set(titles) - wanted]
        problems += self._slack_problems(rows)
        return problems

    def _slack_problems(self, rows: list[tuple[int, str]]) -> list[str]:
        state = self.slack.state
        expected = {channel_name(number, title): (number, title) for number, title in rows}
        found = Counter(c.name for c in state.conversations() if c.name.startswith("inc-"))
        problems = [f"channel #{name} created {n} times" for name, n in found.items() if n > 1]
        problems += [f"channel #{name} is no incident's" for name in set(found) - set(expected)]
        declarers = {d.title: d for d in self.declared}
        announcements = state.messages(self.announced_in)
        for name, (number, title) in sorted(expected.items()):
            channel = state.find_channel(name)
            if channel is None:
                problems.append(f"#{name} ({title!r}) was never created")
                continue
            heading = f"Incident #{number}: {title}"
            cards = [m for m in state.messages(channel.id) if heading in m.text]
            pins = state.pins(channel.id)
            if len(cards) != 1:
                posted = [f"{m.ts} {m.text!r}" for m in cards]
                problems.append(f"#{name}: its card was posted {len(cards)} times: {posted}")
            if [heading in m.text for m in pins] != [True]:
                problems.append(f"#{name}: pinned {[m.text for m in pins]}, not its card")
            if not channel.topic:
                problems.append(f"#{name}: no topic")
            announced = [m for m in announcements if f"<#{channel.id}>" in m.all_text]
            if len(announced) != 1:
                problems.append(f"#{name}: announced {len(announced)} times in #incidents")
            declared = declarers.get(title)
            if declared is not None:
                told = posts_to(state.responses(user_id=declared.declarer), declared.response_url)
                if not any(f"<#{channel.id}>" in p.text for p in told):
                    problems.append(
                        f"#{name}: the declarer was not told where it is (killed "
                        f"{declared.kill_after * 1000:.0f} ms after the 200)"
                    )
        return problems

    def summary(self, problems: list[str]) -> str:
        t = self.timings
        waits = sorted(t.waits)
        lives = sum(s.lives for s in self.servers)
        return (
            f"{len(self.declared)} declares on {self.database_url.split(':', 1)[0]}, each "
            f"followed by a SIGKILL 0-{KILL_WITHIN_SECONDS * 1000:.0f} ms after its 200, over "
            f"{len(self.servers)} {'spawned' if SPAWN else 'forked'} servers ({lives} lives): "
            f"declared in "
            f"{t.declared - t.started:.0f} s, settled {t.settled - t.declared:.0f} s later; "
            f"waits for a server to be ready again p50 {waits[len(waits) // 2]:.2f} s, max "
            f"{waits[-1]:.2f} s; {len(problems)} problems"
        )


def wait_ready(server: Server, timeout: float = 60.0) -> float:
    """Seconds waited for ``server``'s ``/readyz`` (polled every 50 ms)."""
    started = time.monotonic()
    deadline = started + timeout
    while True:
        if not server.alive():
            raise AssertionError(f"{server.name} exited at start; see {server.log}")
        try:
            if httpx.get(f"{server.url}/readyz", timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{server.name} not ready after {timeout:g} s")
        time.sleep(0.05)


def _kills(lost: list[Declared]) -> str:
    return ", ".join(f"{d.title!r} (killed {d.kill_after * 1000:.0f} ms after)" for d in lost)
