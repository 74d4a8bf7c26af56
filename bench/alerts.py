"""Inbound alerts: webhook latency, sustained alerts per second, time to the incident channel.

On 127.0.0.1 only: this process runs the fake Slack (``FakeSlackServer``, which logs every Web
API call with its time) and the client; ``warroom serve`` runs as a subprocess (as deployed: its
own interpreter, its timer runner with the default settings) on a fresh database: SQLite in a
temporary folder, or a new database on the PostgreSQL server named by ``--database-url``
(dropped afterwards). The config (``tests.alerts.storm.write_config``) has services
``storm-00`` .. ``storm-09``, Olivia always on call for them, and a route that opens an incident
for every critical alert; the grouping window is 30 minutes.

1. **First alert -> channel**: ``--first`` times, on an idle app, one Alertmanager notification
   with a single new alert (a new service each time, so each opens an incident) is posted to
   ``/webhooks/alertmanager``; measured from sending it to the fake Slack's
   ``conversations.create`` of the ``inc-`` channel, and to ``pins.add`` of its card.
2. **Storm**: ``-n`` alerts over 10 services x 10 alert names (``tests.alerts.storm.plan``:
   Alertmanager's payload shape; batches of 10-40, single alerts, byte-identical re-sends and
   whole-group re-sends), posted with ``-c`` requests in flight, as fast as the app answers or
   at ``--rate`` alerts per second. Measured: each request's time to its 200 (p50/p90/p99/max),
   the alerts accepted per second over the sending, and the alerts processed per second (first
   request sent to the last payload's ``processed_at``, from the database), then checked: every
   alert recorded once, no failed payload.

    python -m bench.alerts
    python -m bench.alerts -n 20000 --rate 500
    python -m bench.alerts --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.pool import NullPool

from bench.paging import Server, app_env
from bench.timers import database, percentile
from bot.alerts.rows import AlertPayloadRow, AlertRow
from bot.kernel.timers.rows import Timer
from tests.alerts.alertmanager import notification, webhook_alert
from tests.alerts.storm import Answer, Sender, plan, service_name, write_config
from warroom_sandbox.server import FakeSlackServer

TOKEN = "warroom-bench-alertmanager-token"  # only ever used on loopback
UNUSED_PAGERDUTY = "http://127.0.0.1:9"  # nobody in this config is paged by PagerDuty
SERVICES, ALERTNAMES = 10, 10
MAX_ALERTS = 200_000


@dataclass(frozen=True)
class Options:
    alerts: int
    rate: float | None
    in_flight: int
    first: int
    database_url: str | None
    timeout: float
    verbose: bool


@dataclass
class FirstAlert:
    sent: float  # epoch seconds, as the fake Slack's call log
    created: float | None = None
    pinned: float | None = None


@dataclass
class StormResult:
    answers: list[Answer]
    alerts: int  # distinct alerts
    carried: int  # alerts in the requests' bodies, re-sends included
    sending_seconds: float
    processing_seconds: float | None
    recorded: int
    failed: int


def run(options: Options) -> int:
    with ExitStack() as stack:
        url = stack.enter_context(database(options.database_url))
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="warroom-bench-")))
        config = write_config(workdir / "config", SERVICES + options.first)
        slack = stack.enter_context(FakeSlackServer(trigger_ttl=600, response_url_ttl=3600))
        env = app_env(url, slack, UNUSED_PAGERDUTY, config)
        env.update({"ALERTS_ALERTMANAGER_TOKEN": TOKEN, "ALERTS_GROUPING_WINDOW_MINUTES": "30"})
        server = Server(env, workdir, workdir / "serve.log")
        stack.callback(server.stop)
        server.wait_ready()
        engine = create_engine(url, poolclass=NullPool)
        stack.callback(engine.dispose)
        hook = f"{server.url}/webhooks/alertmanager"
        firsts = [
            first_alert(hook, slack, engine, SERVICES + i, options) for i in range(options.first)
        ]
        result = storm(hook, engine, options)
        if options.verbose:
            print(server.log.read_text()[-5000:])
    return report(options, url, firsts, result)


def first_alert(
    hook: str, slack: FakeSlackServer, engine: Engine, service: int, options: Options
) -> FirstAlert:
    """One new alert for ``service`` on an idle app; when its channel was created and pinned."""
    group = {"alertname": "BenchFirstAlert", "service": service_name(service)}
    alert = webhook_alert({**group, "severity": "critical"}, starts_at=datetime.now(UTC))
    body = notification([alert], group)
    known = {c.params.get("name") for c in slack.calls("conversations.create")}
    sample = FirstAlert(time.time())
    response = httpx.post(hook, json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    response.raise_for_status()
    deadline = time.monotonic() + options.timeout
    while sample.pinned is None and time.monotonic() < deadline:
        created = [
            c
            for c in slack.calls("conversations.create")
            if c.ok and c.params.get("name") not in known
        ]
        if created:
            sample.created = created[0].at
            channel = created[0].response["channel"]["id"]
            pins = [c for c in slack.calls("pins.add") if c.params.get("channel") == channel]
            sample.pinned = pins[0].at if pins else None
        time.sleep(0.005)
    wait_idle(engine, options.timeout)
    return sample


def storm(hook: str, engine: Engine, options: Options) -> StormResult:
    instances = math.ceil(options.alerts / (SERVICES * ALERTNAMES))
    planned = plan(SERVICES, ALERTNAMES, instances)
    duration = planned.alerts / options.rate if options.rate else 0.0
    sender = Sender(hook, TOKEN, duration, in_flight=options.in_flight)
    began_wall, began = time.time(), time.perf_counter()
    answers = sender.send(planned.notifications)
    sending = time.perf_counter() - began
    wait_idle(engine, options.timeout)
    with engine.connect() as connection:
        last = connection.execute(select(func.max(AlertPayloadRow.processed_at))).scalar()
        rows = Counter(connection.execute(select(AlertRow.fingerprint)).scalars())
        failed = connection.execute(
            select(func.count())
            .select_from(AlertPayloadRow)
            .where(AlertPayloadRow.status == "failed")
        ).scalar_one()
    expected = [f for fingerprints in planned.expected.values() for f in fingerprints]
    recorded = sum(1 for f in expected if rows[f] == 1)
    processing = last.timestamp() - began_wall if last is not None else None
    carried = sum(len(n.fingerprints) for n in planned.notifications)
    return StormResult(answers, planned.alerts, carried, sending, processing, recorded, failed)


def wait_idle(engine: Engine, timeout: float) -> None:
    """Until no payload is pending and no timer is due or running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            pending = connection.execute(
                select(func.count())
                .select_from(AlertPayloadRow)
                .where(AlertPayloadRow.status == "pending")
            ).scalar_one()
            due = connection.execute(
                select(func.count())
                .select_from(Timer)
                .where(Timer.status == "pending", Timer.due_at <= datetime.now(UTC))
            ).scalar_one()
        if pending == 0 and due == 0:
            return
        time.sleep(0.05)
    raise RuntimeError(f"the app was still busy after {timeout:g} s")


def report(options: Options, url: str, firsts: list[FirstAlert], result: StormResult) -> int:
    backend = url.split(":", 1)[0].split("+", 1)[0]
    pace = f"{options.rate:g} alerts/s" if options.rate else "as fast as answered"
    ok = [a for a in result.answers if a.status == 200]
    statuses = Counter(str(a.status) for a in result.answers)
    print(
        f"inbound alerts: warroom serve on {backend}; {result.alerts} alerts in "
        f"{len(result.answers)} Alertmanager notifications ({result.carried} alerts with the "
        f"re-sends), {options.in_flight} in flight, {pace}; 127.0.0.1"
    )
    print()
    print(f"{'ms':<34} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8} {'n':>5}")
    rows = [
        ("webhook -> 200", [a.seconds * 1000 for a in ok]),
        ("first alert -> channel created", _since(firsts, "created")),
        ("first alert -> card pinned", _since(firsts, "pinned")),
    ]
    for label, values in rows:
        print(
            f"{label:<34} {percentile(values, 50):8.1f} {percentile(values, 90):8.1f} "
            f"{percentile(values, 99):8.1f} {max(values, default=math.nan):8.1f} {len(values):5d}"
        )
    print()
    print(f"{'throughput':<34} {'alerts/s':>10} {'seconds':>9}")
    print(
        f"{'accepted (sending, answered 200)':<34} "
        f"{result.alerts / result.sending_seconds:10.0f} {result.sending_seconds:9.1f}"
    )
    if result.processing_seconds is not None:
        print(
            f"{'processed (first sent -> last done)':<34} "
            f"{result.alerts / result.processing_seconds:10.0f} {result.processing_seconds:9.1f}"
        )
    print()
    print(f"answers: {dict(statuses)}; alerts recorded once: {result.recorded}/{result.alerts}")
    failures = []
    if len(ok) < len(result.answers):
        failures.append(f"{len(result.answers) - len(ok)} requests not answered 200")
    if result.recorded < result.alerts:
        failures.append(f"{result.alerts - result.recorded} alerts not recorded exactly once")
    if result.failed:
        failures.append(f"{result.failed} payloads failed")
    if any(f.pinned is None for f in firsts):
        failures.append("a first alert got no pinned card in time")
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


def _since(firsts: list[FirstAlert], stage: str) -> list[float]:
    return [(getattr(f, stage) - f.sent) * 1000 for f in firsts if getattr(f, stage) is not None]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.alerts",
        description="Alertmanager webhook latency, alerts per second, first alert to channel.",
    )
    parser.add_argument("-n", "--alerts", type=int, default=10_000, help="in the storm (10000)")
    parser.add_argument(
        "--rate", type=float, help="alerts per second to send (default: as fast as answered)"
    )
    parser.add_argument("-c", "--in-flight", type=int, default=8, help="requests at once (8)")
    parser.add_argument(
        "--first", type=int, default=5, help="single first alerts timed to their channel (5)"
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to create a scratch database on (default: SQLite in a temp dir)",
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="s to wait for the app to finish (600)"
    )
    parser.add_argument("--verbose", action="store_true", help="print the app's log tail")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not 0 < args.alerts <= MAX_ALERTS:
        print(f"-n must be 1..{MAX_ALERTS}", file=sys.stderr)
        return 2
    if args.rate is not None and args.rate <= 0:
        print("--rate must be positive", file=sys.stderr)
        return 2
    if args.in_flight < 1 or args.first < 1:
        print("-c and --first must be at least 1", file=sys.stderr)
        return 2
    options = Options(
        alerts=args.alerts,
        rate=args.rate,
        in_flight=args.in_flight,
        first=args.first,
        database_url=args.database_url,
        timeout=args.timeout,
        verbose=args.verbose,
    )
    return run(options)


if __name__ == "__main__":
    sys.exit(main())
