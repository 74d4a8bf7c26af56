"""Time to page: from `/incident declare ... service:<name>` to the page at PagerDuty.

On 127.0.0.1 only: this process runs the fake Slack (``FakeSlackServer``) and a fake PagerDuty
Events API (``FakePagerDuty``) that notes when each request arrives; ``warroom serve`` runs as a
subprocess (as deployed: its own interpreter, its timer runner with the default settings) on a
fresh database: SQLite in a temporary folder, or a new database on the PostgreSQL server named by
``--database-url`` (dropped afterwards). The config pages Olivia, on call in the ``primary``
schedule, by Slack DM and PagerDuty for service ``checkout-api``.

Each measured incident is a signed ``/incident declare Bench page <i> sev1 service:checkout-api``
sent over HTTP; its figure is the time from sending it to the arrival of the PagerDuty trigger
whose summary names it. By default they are declared one at a time (the next once the previous
one has paged and all its other work is done: the latency of a quiet system); ``--rate R``
declares R per second regardless (an incident storm). Afterwards the database tells where the
time went, per incident:

* ``ack``: the HTTP answer to the slash command (Slack wants it within 3 s);
* ``recorded``: the incident committed (``declared_at``), after the ack;
* ``escalated``: the escalation timer fired and wrote the PagerDuty delivery;
* ``paged``: that delivery's timer fired and PagerDuty had the request.

``--slack-latency MS`` makes every fake Slack call take that long, as real Slack calls do; the
page's timers share the runner with the incident's Slack work (channel, invitations, card).

    python -m bench.paging
    python -m bench.paging -n 100 --slack-latency 150
    python -m bench.paging -n 200 --rate 5
    python -m bench.paging --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select
from sqlalchemy.pool import NullPool

from bench.timers import database, percentile
from bot.incidents.rows import IncidentRow
from bot.kernel.timers.rows import Timer
from bot.paging.rows import DeliveryRow, PageRow
from warroom_sandbox.methods import METHODS
from warroom_sandbox.providers.pagerduty import FakePagerDuty
from warroom_sandbox.seed import GENERAL, MANAGER, ONCALL
from warroom_sandbox.server import FakeSlackServer
from warroom_sandbox.signing import SlackDriver

SIGNING_SECRET = "warroom-bench-signing-secret"  # only ever used on loopback
BOT_TOKEN = "xoxb-warroom-bench"
PD_SETTING = "PD_KEY_BENCH"
PD_ROUTING_KEY = "benchpagerdutyroutingkey00000001"  # 32 characters
SERVICE = "checkout-api"
SERVE = "import sys; from bot.cli import main; sys.exit(main())"
TITLE = re.compile(r"Bench page (\d{5}) ")
MAX_INCIDENTS = 2_000
WARM_UP = 3

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
App = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Any]


@dataclass(frozen=True)
class Options:
    incidents: int
    rate: float | None
    slack_latency_ms: float
    database_url: str | None
    timeout: float
    verbose: bool


class Arrivals:
    """ASGI middleware for the fake PagerDuty: when each incident's first trigger arrived."""

    def __init__(self, app: App) -> None:
        self._app = app
        self._lock = threading.Condition()
        self.first: dict[int, tuple[float, float]] = {}  # bench index -> (perf_counter, epoch)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        arrived, wall = time.perf_counter(), time.time()
        message = await receive()
        body = message.get("body", b"")
        while message.get("more_body"):
            message = await receive()
            body += message.get("body", b"")
        with suppress(ValueError, AttributeError):
            event = json.loads(body)
            found = TITLE.search(str(event["payload"]["summary"]))
            if event.get("event_action") == "trigger" and found:
                with self._lock:
                    self.first.setdefault(int(found.group(1)), (arrived, wall))
                    self._lock.notify_all()
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return dict(await receive())
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self._app(scope, replay, send)

    def wait(self, index: int, timeout: float) -> tuple[float, float] | None:
        with self._lock:
            self._lock.wait_for(lambda: index in self.first, timeout)
            return self.first.get(index)


def write_config(folder: Path) -> None:
    (folder / "users.yaml").write_text(f"""
users:
  - name: Olivia Oncall
    slack_id: {ONCALL}
    notify: {{pagerduty: {{routing_key_setting: {PD_SETTING}}}}}
  - {{name: Maya Manager, slack_id: {MANAGER}}}
""")
    (folder / "schedules.yaml").write_text(f"""
schedules:
  - name: primary
    time_zone: Europe/Berlin
    layers:
      - name: all-week
        users: [{ONCALL}]
        rotation_virtual_start: "2024-01-01 09:00"
        turn: weekly
""")
    (folder / "escalation_policies.yaml").write_text("""
escalation_policies:
  - name: bench
    levels:
      - {delay_minutes: 30, targets: [{schedule: primary}]}
""")
    (folder / "services.yaml").write_text(f"""
services:
  - {{name: {SERVICE}, escalation_policy: bench}}
""")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``warroom serve`` in a subprocess; its output in ``log``."""

    def __init__(self, env: dict[str, str], workdir: Path, log: Path, workers: int = 1) -> None:
        exit_on_sigterm()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [sys.executable, "-c", SERVE, "serve", "--host", "127.0.0.1"]
        command += ["--workers", str(workers)]
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [*command, "--port", str(self.port)],
                env=env,
                cwd=workdir,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"warroom serve exited:\n{self.log.read_text()[-3000:]}")
            with suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"warroom serve not ready after {timeout:g} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)


def exit_on_sigterm() -> None:
    """A benchmark stopped with SIGTERM (``kill``, ``timeout``) unwinds like one stopped with
    Ctrl-C, so its servers, started in sessions of their own, are stopped too: by default the
    signal ended this process at once and left them serving."""
    main = threading.current_thread() is threading.main_thread()
    if main and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, _: sys.exit(128 + signum))


@dataclass
class Sample:
    index: int
    sent: float  # perf_counter
    sent_wall: float
    acked: float | None = None
    paged: float | None = None
    paged_wall: float | None = None


def app_env(url: str, slack: FakeSlackServer, pagerduty: str, config: Path) -> dict[str, str]:
    prefixes = ("SLACK_", "DATABASE_URL", "CONFIG_DIR", "PAGERDUTY_", "OPSGENIE_", "TIMER_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    root = str(Path(__file__).resolve().parent.parent)
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([root, *filter(None, [os.environ.get("PYTHONPATH")])]),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "DATABASE_URL": url,
            "CONFIG_DIR": str(config),
            "PAGERDUTY_EVENTS_URL": pagerduty,
            PD_SETTING: PD_ROUTING_KEY,
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def declare(driver: SlackDriver, sample: Sample) -> None:
    response = driver.slash_command(
        text=f"declare Bench page {sample.index:05d} checkout down sev1 service:{SERVICE}",
        user_id=MANAGER,
        channel_id=GENERAL,
    )
    if response.status_code != 200:
        raise RuntimeError(f"declare answered {response.status_code}: {response.text[:200]}")
    sample.acked = time.perf_counter()


def run(options: Options) -> int:
    with ExitStack() as stack:
        url = stack.enter_context(database(options.database_url))
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="warroom-bench-")))
        (workdir / "config").mkdir()
        write_config(workdir / "config")
        slack = stack.enter_context(FakeSlackServer(trigger_ttl=600, response_url_ttl=3600))
        if options.slack_latency_ms:
            for method in [*METHODS, "response_url"]:
                slack.latency(method, options.slack_latency_ms / 1000)
        pagerduty = FakePagerDuty()
        arrivals = Arrivals(pagerduty.app)
        pagerduty.app = arrivals  # type: ignore[assignment]  # served by start()
        stack.enter_context(pagerduty)
        server = Server(
            app_env(url, slack, pagerduty.url, workdir / "config"), workdir, workdir / "serve.log"
        )
        stack.callback(server.stop)
        server.wait_ready()
        driver = stack.enter_context(
            SlackDriver(f"{server.url}/slack/events", SIGNING_SECRET, slack)
        )
        for index in range(WARM_UP):  # first requests pay for imports and connections
            warm = Sample(index, time.perf_counter(), time.time())
            declare(driver, warm)
            arrivals.wait(index, options.timeout)
        samples = measure(url, driver, arrivals, options)
        stages = breakdown(url, samples)
        if options.verbose:
            print(server.log.read_text()[-5000:])
    return report(options, url, samples, stages)


def wait_idle(url: str, timeout: float) -> None:
    """Until no timer is due or running: the previous incident's Slack work is finished."""
    engine = create_engine(url, poolclass=NullPool)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            busy = select(func.count()).select_from(Timer)
            busy = busy.where(Timer.status == "pending", Timer.due_at <= datetime.now(UTC))
            with engine.connect() as connection:
                if connection.execute(busy).scalar_one() == 0:
                    return
            time.sleep(0.02)
    finally:
        engine.dispose()


def measure(url: str, driver: SlackDriver, arrivals: Arrivals, options: Options) -> list[Sample]:
    samples = [Sample(WARM_UP + i, 0.0, 0.0) for i in range(options.incidents)]
    started = time.perf_counter()
    for number, sample in enumerate(samples):
        if options.rate:
            time.sleep(max(0.0, started + number / options.rate - time.perf_counter()))
        else:
            wait_idle(url, options.timeout)
        sample.sent, sample.sent_wall = time.perf_counter(), time.time()
        declare(driver, sample)
        if not options.rate:
            arrivals.wait(sample.index, options.timeout)
    for sample in samples:
        found = arrivals.wait(sample.index, options.timeout)
        if found is not None:
            sample.paged, sample.paged_wall = found
    return samples


def breakdown(url: str, samples: list[Sample]) -> dict[str, list[float]]:
    """Per stage, ms: ack, recorded (declared_at), escalated (delivery written), paged."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        rows = connection.execute(
            select(IncidentRow.title, IncidentRow.declared_at, DeliveryRow.created_at)
            .join(PageRow, PageRow.incident_id == IncidentRow.id)
            .join(DeliveryRow, DeliveryRow.page_id == PageRow.id)
            .where(DeliveryRow.channel == "pagerduty")
        ).all()
    engine.dispose()
    by_index: dict[int, tuple[datetime, datetime]] = {}
    for title, declared_at, created_at in rows:
        found = TITLE.search(f"{title} ")
        if found:
            by_index[int(found.group(1))] = (declared_at, created_at)
    stages: dict[str, list[float]] = {"ack": [], "recorded": [], "escalated": [], "paged": []}
    for sample in samples:
        times = by_index.get(sample.index)
        if sample.acked is None or sample.paged_wall is None or times is None:
            continue
        recorded, escalated = times[0].timestamp(), times[1].timestamp()
        stages["ack"].append((sample.acked - sample.sent) * 1000)
        stages["recorded"].append((recorded - sample.sent_wall) * 1000)
        stages["escalated"].append((escalated - recorded) * 1000)
        stages["paged"].append((sample.paged_wall - escalated) * 1000)
    return stages


def report(
    options: Options, url: str, samples: list[Sample], stages: dict[str, list[float]]
) -> int:
    latencies = [(s.paged - s.sent) * 1000 for s in samples if s.paged is not None]
    missing = len(samples) - len(latencies)
    mode = f"{options.rate:g} per second" if options.rate else "one at a time"
    backend = url.split(":", 1)[0].split("+", 1)[0]
    print(
        f"declare -> PagerDuty trigger: {options.incidents} incidents ({mode}) after {WARM_UP} "
        f"warm-up; warroom serve on {backend}; fake Slack latency "
        f"{options.slack_latency_ms:g} ms; 127.0.0.1"
    )
    print()
    print(f"{'ms':<28} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8} {'n':>5}")
    rows = [("declare -> page at PagerDuty", latencies)] + [
        (f"  {label}", stages[key])
        for label, key in (
            ("send -> ack", "ack"),
            ("send -> recorded", "recorded"),
            ("recorded -> escalated", "escalated"),
            ("escalated -> paged", "paged"),
        )
    ]
    for label, values in rows:
        print(
            f"{label:<28} {percentile(values, 50):8.1f} {percentile(values, 90):8.1f} "
            f"{percentile(values, 99):8.1f} {max(values, default=math.nan):8.1f} {len(values):5d}"
        )
    print()
    print("stages come from the app's clock (declared_at, delivery created_at) against this")
    print("process's wall clock: same machine, so comparable to a millisecond or so")
    if missing:
        print(f"FAILED: {missing} incidents never paged within {options.timeout:g} s")
        return 1
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.paging",
        description="Time from /incident declare to the page request at a fake PagerDuty.",
    )
    parser.add_argument("-n", "--incidents", type=int, default=50, help="measured (50)")
    parser.add_argument(
        "--rate", type=float, help="declare this many per second (default: one at a time)"
    )
    parser.add_argument(
        "--slack-latency", type=float, default=0.0, help="ms every fake Slack call takes (0)"
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to create a scratch database on (default: SQLite in a temp dir)",
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="s to wait for each page (60)")
    parser.add_argument("--verbose", action="store_true", help="print the app's log tail")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not 0 < args.incidents <= MAX_INCIDENTS:
        print(f"-n must be 1..{MAX_INCIDENTS}", file=sys.stderr)
        return 2
    if args.rate is not None and not 0 < args.rate <= 100:
        print("--rate must be in (0, 100]", file=sys.stderr)
        return 2
    options = Options(
        incidents=args.incidents,
        rate=args.rate,
        slack_latency_ms=args.slack_latency,
        database_url=args.database_url,
        timeout=args.timeout,
        verbose=args.verbose,
    )
    return run(options)


if __name__ == "__main__":
    sys.exit(main())
