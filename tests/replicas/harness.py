"""A storm of pages over real `warroom serve` processes, with SIGKILLs, checked for exactly once.

What runs where (everything on 127.0.0.1):

* in the test process: the fake Slack (``SlackEmulator`` served by ``BackgroundServer``) and a fake
  PagerDuty (``FakePagerDuty``), both wrapped in :class:`HeldAnswers`: a page DM or a PagerDuty
  event is *applied* at once, but its answer is held back for ``hold_seconds``. A replica waiting
  for that answer has done the side effect without having recorded it: the one window where a
  crash can repeat an effect. :meth:`PagingStorm.kill_in_flight` SIGKILLs a replica exactly then,
  so the kills hit that window by design rather than by luck.
* N subprocesses running ``warroom serve`` (:class:`Replica`) on one database, each configured
  through its environment like a deployment, each with a log file (all its lives) in the test's
  tmp folder; on a failure their last lines are printed with the paths.

:class:`PagingStorm` writes the config (level 0: the ``primary`` schedule, Olivia, after
``level0_delay_minutes``; level 1: Liam, at once after that; both with PagerDuty; and a handoff
reminder, one minute ahead, of the ``handoff`` schedule from Alice to Carl), declares incidents
as signed slash commands spread over the replicas, lets the test kill and restart replicas, waits
until every page arrived and no timer is due or in flight, and checks (:meth:`PagingStorm.check`)
every expected delivery exactly once in Slack (by the page DM's metadata) and at PagerDuty (by
``dedup_key``), none lost, none doubled, no unexpected page, no failed timer, one handoff
reminder DM to each engineer, and the handoff schedule's user group set once at start (Alice) and
once at the handoff (Carl).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import httpx
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.pool import NullPool

from bot.incidents.rows import IncidentRow
from bot.kernel.slack import marked
from bot.kernel.timers.rows import Effect, Timer
from bot.paging.rows import DeliveryRow, PageRow
from warroom_sandbox.emulator import SlackEmulator
from warroom_sandbox.model import User
from warroom_sandbox.providers.pagerduty import FakePagerDuty
from warroom_sandbox.seed import GENERAL, LEAD, MANAGER, ONCALL
from warroom_sandbox.server import BackgroundServer
from warroom_sandbox.signing import SlackDriver

REPO_ROOT = Path(__file__).resolve().parents[2]
SIGNING_SECRET = "replicas-signing-secret"
BOT_TOKEN = "xoxb-replicas"
PD_KEY_SETTING = "PD_KEY_REPLICAS"
PD_ROUTING_KEY = "replicaspagerdutyroutingkey00001"  # 32 characters, like a real routing key
SERVICE = "checkout-api"
FIRST, SECOND = ONCALL, LEAD  # level 0 (through the primary schedule), level 1 (directly)
DECLARER = MANAGER  # answered through response_url, so never in a DM
ALICE, CARL = "U0ALICE", "U0CARL"  # the handoff schedule: Alice hands over to Carl
USERGROUP = "oncall-handoff"  # the handoff schedule's Slack user group: Alice, then Carl
PAGE_KEY_PREFIX = "incident:"  # page deliveries' keys; handoff DMs are marked with "schedule:..."
CHANNELS = ("slack", "pagerduty")
POLL_SECONDS = 0.25
# `warroom serve`, as the console script runs it (bot.cli has no __main__ block).
SERVE = "import sys; from bot.cli import main; sys.exit(main())"
# Settings every replica gets; the scenario adds DATABASE_URL, SLACK_API_URL and the like.
TIMER_ENV = {
    "TIMER_SWEEP_SECONDS": "0.5",
    "TIMER_LEASE_SECONDS": "5",  # a killed replica's claims are retried 5 s later
    "TIMER_BACKOFF_BASE_SECONDS": "0.2",
    "TIMER_MAX_ATTEMPTS": "8",
    "NOTIFY_MAX_ATTEMPTS": "3",
    "NOTIFY_TIME_BUDGET_SECONDS": "3",  # under the lease, as the lease contract asks
    "HANDOFF_REMINDER_MINUTES": "1",
}
# Settings a developer's shell may carry and that must not leak into the replicas.
_SCRUBBED_PREFIXES = ("SLACK_", "DATABASE_URL", "CONFIG_DIR", "PAGERDUTY_", "OPSGENIE_", "TIMER_")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def wait_for(probe: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``probe`` until it returns something truthy; a generous deadline, not a measure."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(POLL_SECONDS)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- fakes that answer late --------------------------------------------------------------------


class HeldAnswers:
    """ASGI middleware: requests that ``key_of`` names are handled at once, answered late.

    The wrapped fake applies the request (the DM exists, the PagerDuty event is recorded) before
    the answer leaves, so a client killed while waiting has done the effect but not learnt it.
    ``lost`` lists the keys of the requests whose client went away during the hold: effects a
    killed replica performed without recording them.

    Each replica is given base URLs under ``/r/<replica name>`` (the prefix is stripped before
    the fake sees the request), so ``in_flight`` can tell which replica is waiting on an answer.
    """

    def __init__(
        self, app: App, hold_seconds: float, key_of: Callable[[str, bytes], str | None]
    ) -> None:
        self._app = app
        self._hold = hold_seconds
        self._key_of = key_of
        self.held = 0
        self.lost: list[str] = []
        self.in_flight: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        replica = ""
        path = str(scope["path"])
        if path.startswith("/r/"):
            replica, _, rest = path.removeprefix("/r/").partition("/")
            path = f"/{rest}"
            scope = {**scope, "path": path, "raw_path": path.encode()}
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before it finished sending
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        key = self._key_of(path, body)
        if key is None or self._hold <= 0:
            await self._app(scope, replay, send)
            return
        answer: list[Message] = []

        async def keep(message: Message) -> None:
            answer.append(message)

        await self._app(scope, replay, keep)
        self.held += 1
        self.in_flight[replica] += 1
        try:
            with anyio.move_on_after(self._hold):
                if (await receive())["type"] == "http.disconnect":
                    self.lost.append(key)
                    return
        finally:
            self.in_flight[replica] -= 1
        for message in answer:
            await send(message)


def _page_dm_key(path: str, body: bytes) -> str | None:
    """The delivery key of a page DM (chat.postMessage with page metadata, sent as JSON)."""
    if not path.endswith("/chat.postMessage") or marked.EVENT_TYPE.encode() not in body:
        return None
    metadata = json.loads(body).get("metadata") or {}
    key = str(metadata["event_payload"]["key"])
    return key if key.startswith(PAGE_KEY_PREFIX) else None


def _handoff_dm_key(path: str, body: bytes) -> str | None:
    """A handoff reminder DM (by its text): ``handoff:<channel>``."""
    if not path.endswith("/chat.postMessage") or b"On-call handoff" not in body:
        return None
    return f"handoff:{json.loads(body).get('channel')}"


def _dedup_key(path: str, body: bytes) -> str | None:
    if path != "/v2/enqueue":
        return None
    try:
        return str(json.loads(body).get("dedup_key"))
    except (ValueError, AttributeError):
        return "(not an event)"


class FakeSlack:
    """The fake Slack on a loopback port; page DMs (or handoff DMs) answered late."""

    def __init__(self, hold_seconds: float, *, hold_handoffs: bool = False) -> None:
        self.emulator = SlackEmulator(trigger_ttl=600, response_url_ttl=3600)
        key_of = _handoff_dm_key if hold_handoffs else _page_dm_key
        self.held = HeldAnswers(self.emulator.app, hold_seconds, key_of)
        self._server = BackgroundServer(self.held)
        for user_id, name in ((ALICE, "Alice Outgoing"), (CARL, "Carl Incoming")):
            handle = name.split()[0].lower()
            self.emulator.state.add_user(
                User(id=user_id, name=handle, real_name=name, email=f"{handle}@example.com")
            )

    def __enter__(self) -> FakeSlack:
        self._server.start()
        self.emulator.serve_at(self._server.url)
        return self

    def __exit__(self, *_: object) -> None:
        self._server.stop()

    def api_url(self, replica: str) -> str:
        return f"{self.emulator.base_url}/r/{replica}/api/"

    def page_dms(self, user: str) -> list[str]:
        """The delivery key of every page DM in the bot's IM with ``user``, in posting order."""
        keys = [
            str(m.metadata["event_payload"]["key"])
            for m in self.emulator.state.dm_messages(user)
            if m.metadata and m.metadata.get("event_type") == marked.EVENT_TYPE
        ]
        return [key for key in keys if key.startswith(PAGE_KEY_PREFIX)]

    def flood_dm(self, user: str, count: int) -> None:
        """``count`` more bot messages in the IM with ``user``, as a busy day leaves them: a DM
        posted before a crash must be found however many messages came after it."""
        state = self.emulator.state
        channel = state.dm_channel(user)
        assert channel is not None, f"no DM with {user} yet"
        for i in range(count):
            state.append_message(channel.id, user=state.bot_user_id, text=f"Unrelated note {i}")

    def usergroup(self) -> tuple[list[str] | None, int, int]:
        """The members of ``USERGROUP`` (None: no such group), and how many times it was
        created and its members set."""
        state = self.emulator.state
        with state.lock:
            group = next((g for g in state.usergroups.values() if g.handle == USERGROUP), None)
            members = list(group.users) if group else None
        created = len([c for c in state.calls("usergroups.create") if c.ok])
        updated = len([c for c in state.calls("usergroups.users.update") if c.ok])
        return members, created, updated

    def handoff_dms(self, user: str) -> list[str]:
        """Handoff reminder DMs: marked with a ``schedule:...:handoff:...`` key."""
        return [
            m.all_text
            for m in self.emulator.state.dm_messages(user)
            if m.metadata
            and m.metadata.get("event_type") == marked.EVENT_TYPE
            and ":handoff:" in str(m.metadata["event_payload"]["key"])
        ]


class HeldPagerDuty(FakePagerDuty):
    """The fake PagerDuty Events API, every event answered ``hold_seconds`` after it is applied."""

    def __init__(self, hold_seconds: float) -> None:
        super().__init__()
        self.held = HeldAnswers(self.app, hold_seconds, _dedup_key)
        self.app = self.held  # type: ignore[assignment]  # served by accept_connections()

    def triggers(self) -> Counter[str]:
        return Counter(
            str(e.get("dedup_key")) for e in self.events() if e.get("event_action") == "trigger"
        )


# --- the config --------------------------------------------------------------------------------


def write_config(folder: Path, level0_delay_minutes: int, handoff_at: datetime) -> Path:
    """Users, schedules, one policy and one service; the handoff schedule changes at
    ``handoff_at`` (Alice before, Carl after), so its one-minute reminder fires a minute before."""
    folder.mkdir(parents=True, exist_ok=True)
    notify = f"{{pagerduty: {{routing_key_setting: {PD_KEY_SETTING}}}}}"
    (folder / "users.yaml").write_text(f"""
users:
  - {{name: Olivia Oncall, slack_id: {FIRST}, notify: {notify}}}
  - {{name: Liam Lead, slack_id: {SECOND}, notify: {notify}}}
  - {{name: Maya Manager, slack_id: {DECLARER}}}
  - {{name: Alice Outgoing, slack_id: {ALICE}}}
  - {{name: Carl Incoming, slack_id: {CARL}}}
""")
    turn_start = (handoff_at - timedelta(hours=1)).astimezone(UTC).isoformat()
    (folder / "schedules.yaml").write_text(f"""
schedules:
  - name: primary
    time_zone: Europe/Berlin
    layers:
      - name: all-week
        users: [{FIRST}]
        rotation_virtual_start: "2024-01-01 09:00"
        turn: weekly
  - name: handoff
    time_zone: UTC
    slack_usergroup: {USERGROUP}
    layers:
      - name: hourly
        users: [{ALICE}, {CARL}]
        rotation_virtual_start: "{turn_start}"
        start: "{turn_start}"
        end: "{(handoff_at + timedelta(hours=1)).astimezone(UTC).isoformat()}"
        turn: hourly
""")
    (folder / "escalation_policies.yaml").write_text(f"""
escalation_policies:
  - name: storm
    levels:
      - {{delay_minutes: {level0_delay_minutes}, targets: [{{schedule: primary}}]}}
      - {{delay_minutes: 0, targets: [{{user: {SECOND}}}]}}
""")
    (folder / "services.yaml").write_text(f"""
services:
  - {{name: {SERVICE}, escalation_policy: storm}}
""")
    return folder


# --- replicas ----------------------------------------------------------------------------------


@dataclass
class Replica:
    """One ``warroom serve`` process; its output (all its lives) goes to ``log``."""

    name: str
    env: dict[str, str]
    workdir: Path
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    lives: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        assert self.process is None, f"{self.name} is already running"
        self.lives += 1
        command = [sys.executable, "-c", SERVE, "serve", "--host", "127.0.0.1"]
        with self.log.open("ab") as out:
            out.write(f"\n===== {self.name} life {self.lives}, {_stamp()} =====\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                [*command, "--port", str(self.port)],
                env=self.env,
                cwd=self.workdir,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C to pytest is not delivered to it too
            )

    def wait_ready(self, timeout: float = 60.0) -> None:
        def ready() -> bool:
            if self.process is None or self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited at start; see {self.log}")
            try:
                return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(ready, timeout, f"{self.name} /readyz")

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, leases stay with the dead process until they expire."""
        assert self.process is not None, f"{self.name} is not running"
        with suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None
        with self.log.open("ab") as out:
            out.write(f"\n===== {self.name} SIGKILLed, {_stamp()} =====\n".encode())

    def stop(self) -> None:
        """End this process (only this one, by its pid): SIGTERM, then SIGKILL if it lingers."""
        if self.process is None:
            return
        if self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        self.process = None

    def tail(self, lines: int = 60) -> str:
        if not self.log.exists():
            return "(no output)"
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _stamp() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def replica_env(
    database_url: str, slack_api_url: str, pagerduty_url: str, config_dir: Path
) -> dict[str, str]:
    """The environment of one replica: the parent's, without any app setting, plus these."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
    env.update(TIMER_ENV)
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(
                [str(REPO_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
            "PYTHONUNBUFFERED": "1",
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack_api_url,
            "DATABASE_URL": database_url,
            "CONFIG_DIR": str(config_dir),
            "PAGERDUTY_EVENTS_URL": pagerduty_url,
            PD_KEY_SETTING: PD_ROUTING_KEY,
            "LOG_LEVEL": "INFO",
        }
    )
    return env


# --- the scenario ------------------------------------------------------------------------------


@dataclass
class Report:
    """What :meth:`PagingStorm.check` found, for the test's summary line."""

    incidents: int
    deliveries: int
    held: int  # answers held back (page DMs and PagerDuty events)
    retried: int  # deliveries claimed more than once (their first claim died with a replica)
    lost_dms: int  # page DMs posted by a replica killed before it heard back: adopted, not reposted
    lost_triggers: int  # PagerDuty events sent by a replica killed before it heard back
    merged: int  # repeated PagerDuty triggers, merged into the same alert by dedup_key
    seconds: float

    def line(self) -> str:
        return (
            f"{self.incidents} incidents, {self.deliveries} deliveries, each exactly once, in "
            f"{self.seconds:.0f} s; {self.held} answers held, {self.retried} deliveries re-claimed "
            f"after a kill; {self.lost_dms} page DMs posted by a replica that was then killed "
            f"(adopted, not reposted); {self.lost_triggers} PagerDuty events likewise, "
            f"{self.merged} triggers repeated and merged by dedup_key"
        )


class PagingStorm:
    """Declare ``incidents`` incidents over the replicas; see the module docstring."""

    def __init__(
        self,
        *,
        workdir: Path,
        database_url: str,
        replicas: int,
        incidents: int,
        level0_delay_minutes: int,
        hold_seconds: float,
        handoff_reminder_in: float,
        hold_handoffs: bool = False,
        config_files: dict[str, str] | None = None,
    ) -> None:
        self.workdir = workdir
        self.database_url = database_url
        self.incidents = incidents
        self.started = time.monotonic()
        # The reminder is due a minute before the handoff: ``handoff_reminder_in`` s from now.
        self.handoff_at = datetime.now(UTC) + timedelta(seconds=handoff_reminder_in + 60)
        self.config_dir = write_config(
            workdir / "config", level0_delay_minutes, self.handoff_at.replace(microsecond=0)
        )
        for name, text in (config_files or {}).items():  # more of the config folder, by file name
            (self.config_dir / name).write_text(text)
        self.slack = FakeSlack(hold_seconds, hold_handoffs=hold_handoffs)
        self.pagerduty = HeldPagerDuty(hold_seconds)
        self._replica_count = replicas
        self.replicas: list[Replica] = []
        self.db: Engine = create_engine(database_url, poolclass=NullPool)
        self.expected: dict[str, tuple[str, str]] = {}  # delivery key -> (user, channel)

    # -- lifecycle ------------------------------------------------------------------------------

    def __enter__(self) -> PagingStorm:
        self.slack.__enter__()
        self.pagerduty.start()
        for i in range(self._replica_count):
            name = f"replica-{i}"
            env = replica_env(
                self.database_url,
                self.slack.api_url(name),
                f"{self.pagerduty.url}/r/{name}",
                self.config_dir,
            )
            self.replicas.append(Replica(name, env, self.workdir, self.workdir / f"{name}.log"))
        try:
            for replica in self.replicas:
                replica.start()
            for replica in self.replicas:
                replica.wait_ready()
        except BaseException as error:
            self.__exit__(type(error))
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        try:
            for replica in self.replicas:
                replica.stop()
        finally:
            self.pagerduty.stop()
            self.slack.__exit__()
            self.db.dispose()
        if exc_type is not None:
            self.print_logs()

    def print_logs(self) -> None:
        """The replicas' log files and their last lines (shown by pytest with a failure)."""
        for replica in self.replicas:
            print(f"\n----- {replica.name}: {replica.log} (last lines) -----\n{replica.tail()}")

    def kill_in_flight(
        self,
        replica: Replica,
        fake: HeldAnswers,
        *,
        down_for: float,
        while_down: Callable[[], None] | None = None,
        tries: int = 3,
    ) -> None:
        """SIGKILL ``replica`` while it waits for a held answer of ``fake`` (it has done a side
        effect and not recorded it), run ``while_down``, restart it ``down_for`` s later.

        A kill can miss the window by a hair (the answer left just before); then the replica is
        restarted and killed again, up to ``tries`` times; ``Report`` counts the kills that landed.
        """
        for _ in range(tries):
            lost = len(fake.lost)
            wait_for(lambda: fake.in_flight[replica.name] > 0, 60, f"{replica.name} in flight")
            replica.kill()
            time.sleep(0.3)  # the fake hears the hang-up
            landed = len(fake.lost) > lost
            if while_down is not None and landed:
                while_down()
            time.sleep(max(0.0, down_for - 0.3))
            replica.start()
            replica.wait_ready()
            if landed:
                return

    # -- the storm ------------------------------------------------------------------------------

    def declare_all(self) -> None:
        """Declare the incidents round-robin over the replicas, as signed slash commands."""
        drivers = [
            SlackDriver(f"{r.url}/slack/events", SIGNING_SECRET, self.slack.emulator)
            for r in self.replicas
        ]
        try:
            for i in range(self.incidents):
                response = drivers[i % len(drivers)].slash_command(
                    text=f"declare Storm incident {i + 1} sev1 service:{SERVICE}",
                    user_id=DECLARER,
                    channel_id=GENERAL,
                )
                assert response.status_code == 200, response.text
        finally:
            for driver in drivers:
                driver.close()

    def wait_declared(self, timeout: float = 60.0) -> None:
        """Every incident committed with its page; then the expected deliveries are known."""

        def declared() -> list[tuple[int, int, str]] | None:
            with self.db.connect() as connection:
                rows = connection.execute(
                    select(PageRow.incident_id, PageRow.id, IncidentRow.title).join(
                        IncidentRow, IncidentRow.id == PageRow.incident_id
                    )
                ).all()
            return [tuple(r) for r in rows] if len(rows) >= self.incidents else None

        pages = wait_for(declared, timeout, f"{self.incidents} incidents and their pages")
        titles = sorted(title for _, _, title in pages)
        assert titles == sorted(f"Storm incident {i + 1}" for i in range(self.incidents))
        assert len({incident for incident, _, _ in pages}) == self.incidents  # one page each
        for incident, page, _ in pages:
            for level, user in ((0, FIRST), (1, SECOND)):
                for channel in CHANNELS:
                    key = f"incident:{incident}:page:{page}:escalation:{level}:loop:0"
                    self.expected[f"{key}:{user}:{channel}"] = (user, channel)

    def level1_started(self) -> bool:
        return any(":escalation:1:" in key for key in self.pagerduty.triggers())

    def wait_all_paged(self, timeout: float) -> None:
        expected_pd = {k for k, (_, c) in self.expected.items() if c == "pagerduty"}

        def arrived() -> bool:
            dms = set(self.slack.page_dms(FIRST)) | set(self.slack.page_dms(SECOND))
            slack = {k for k, (_, c) in self.expected.items() if c == "slack"}
            return slack <= dms and expected_pd <= set(self.pagerduty.triggers())

        wait_for(arrived, timeout, "every expected page DM and PagerDuty trigger")

    def wait_quiet(self, timeout: float) -> None:
        """Nothing due or in flight (a lease held by the dead counts), twice in a row 1 s apart:
        a repeat that could still come would come from one of those timers."""

        def busy() -> int:
            now = datetime.now(UTC)
            with self.db.connect() as connection:
                return int(
                    connection.execute(
                        select(func.count())
                        .select_from(Timer)
                        .where(Timer.status == "pending", Timer.due_at <= now)
                    ).scalar_one()
                )

        def quiet() -> bool:
            if busy():
                return False
            time.sleep(1.0)
            return busy() == 0

        wait_for(quiet, timeout, "no timer due or in flight")

    # -- the verdict ----------------------------------------------------------------------------

    def check(self) -> Report:
        with self.db.connect() as connection:
            failed = connection.execute(
                select(Timer.key, Timer.attempts, Timer.last_error).where(Timer.status == "failed")
            ).all()
            rows = connection.execute(
                select(DeliveryRow.id, DeliveryRow.key, DeliveryRow.status, DeliveryRow.last_error)
            ).all()
            claims = dict(
                connection.execute(
                    select(Timer.key, Timer.attempts).where(Timer.key.startswith("delivery:"))
                ).all()
            )
            pages = Counter(connection.execute(select(PageRow.status)).scalars())
            effects = set(connection.execute(select(Effect.key)).scalars())
        assert failed == [], f"timers failed: {failed}"
        assert pages == {"exhausted": self.incidents}, f"page statuses: {pages}"

        # The database agrees: exactly the expected deliveries, every one sent.
        by_key = {key: (status, error) for _, key, status, error in rows}
        assert len(rows) == len(by_key)
        assert set(by_key) == set(self.expected), _diff(set(by_key), set(self.expected))
        unsent = {k: v for k, v in by_key.items() if v[0] != "sent"}
        assert unsent == {}, f"deliveries not sent: {unsent}"
        attempts = {key: claims.get(f"delivery:{id_}", 0) for id_, key, _, _ in rows}

        # Slack: one page DM per expected Slack delivery, to the right person, nothing else.
        for user in (FIRST, SECOND):
            posted = Counter(self.slack.page_dms(user))
            wanted = {k for k, (u, c) in self.expected.items() if u == user and c == "slack"}
            doubled = {k: n for k, n in posted.items() if n > 1}
            assert doubled == {}, f"page DMs to {user} posted more than once: {doubled}"
            assert set(posted) == wanted, _diff(set(posted), wanted)

        # PagerDuty: one alert per expected key, and one trigger per key, except where a replica
        # was killed after PagerDuty had its trigger and before it heard back: its successor
        # cannot know and sends it again with the same dedup_key, which PagerDuty merges into
        # the same alert (the receiver's half of "exactly once"; no client can do better).
        wanted_pd = {k for k, (_, c) in self.expected.items() if c == "pagerduty"}
        alerts = Counter(i.dedup_key for i in self.pagerduty.incidents())
        assert {k: n for k, n in alerts.items() if n > 1} == {}
        assert set(alerts) == wanted_pd, _diff(set(alerts), wanted_pd)
        assert all(i.routing_key == PD_ROUTING_KEY for i in self.pagerduty.incidents())
        # Only a re-claim of a delivery's timer (its claimer died) may send its trigger again.
        triggers = self.pagerduty.triggers()
        unexplained = {
            key: (count, attempts[key])
            for key, count in triggers.items()
            if count > 1 and count > attempts[key]
        }
        assert unexplained == {}, (
            "PagerDuty triggers repeated more often than their delivery was claimed "
            f"(key: (triggers, claims)): {unexplained}"
        )
        assert {e["event_action"] for e in self.pagerduty.events()} == {"trigger"}

        # The handoff reminder: once to the outgoing and once to the incoming engineer.
        for user in (ALICE, CARL):
            assert len(self.slack.handoff_dms(user)) == 1, (
                f"handoff reminders to {user}: {self.slack.handoff_dms(user)}"
            )
        boundary = self.handoff_at.replace(microsecond=0).isoformat()
        assert {k for k in effects if k.startswith("schedule:handoff:handoff:")} == {
            f"schedule:handoff:handoff:{boundary}:{role}:{user}"
            for role, user in (("outgoing", ALICE), ("incoming", CARL))
        }

        # The user group: filled with Alice at start, Carl at the handoff; each once, whatever
        # the number of replicas and restarts (the other syncs find it right and change nothing).
        wait = (self.handoff_at - datetime.now(UTC)).total_seconds() + 60
        wait_for(lambda: self.slack.usergroup()[0] == [CARL], max(wait, 10), "@oncall-handoff")
        assert self.slack.usergroup() == ([CARL], 1, 2), self.slack.usergroup()

        return Report(
            incidents=self.incidents,
            deliveries=len(self.expected),
            held=self.slack.held.held + self.pagerduty.held.held,
            retried=sum(1 for n in attempts.values() if n > 1),
            lost_dms=len(self.slack.held.lost),
            lost_triggers=len(self.pagerduty.held.lost),
            merged=sum(count - 1 for count in triggers.values()),
            seconds=time.monotonic() - self.started,
        )


def _diff(got: set[str], wanted: set[str]) -> str:
    missing, extra = sorted(wanted - got), sorted(got - wanted)
    return f"missing {len(missing)}: {missing[:10]}; unexpected {len(extra)}: {extra[:10]}"
