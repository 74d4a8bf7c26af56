"""Ack latency as users get it: ``warroom serve`` against a bare Bolt app, each in its own process.

Slack waits 3 s for the HTTP answer to a slash command, a click or a modal submission (the
*ack*). This sends the same signed requests, as Slack sends them, to two apps on 127.0.0.1 and
compares their acks:

* **warroom**: ``warroom serve`` as a subprocess (its own interpreter, default settings, timer
  runner) on a fresh database: SQLite in a temporary folder, or a scratch database on the
  PostgreSQL server named by ``--database-url`` (dropped afterwards);
* **floor**: ``python -m bench.floor_app``, a bare Bolt app whose listeners only ack, served the
  same way, as a subprocess;
* the fake Slack Web API both talk to in a third process (``bench.slack_process``), which also
  builds the requests; this process only signs, sends and times them (``bench.load``).

Scenarios, each closed loop (``-c`` in flight) and open loop (``--rate`` requests a second, timed
from when each was due): ``status`` (``/incident status`` in an incident's channel), ``declare``
(``/incident declare Bench declare <i> sev3`` in #general), ``button`` (*Post update* on that
incident's card: warroom opens a modal) and ``modal`` (that modal submitted: warroom posts the
update). Rounds alternate between the apps (floor, warroom, floor, warroom...) so whatever else the
machine does hits both; before each round warroom's work from the previous one is finished. For
declare it also times *declare to a ready channel* from the fake's call log; for every scenario it
counts warroom's Slack calls per request.

Run ``python -m bench.ack_latency --help``; ``bench/README.md`` explains the output.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.pool import NullPool

from bench.ack_report import (
    HEADER,
    Result,
    ack_rows,
    answer_latencies,
    calls_per_request,
    log_summary,
    ready_latencies,
    ready_row,
)
from bench.load import closed_loop, open_loop
from bench.paging import BOT_TOKEN, SIGNING_SECRET, Server, free_port
from bench.slack_process import Call, FakeSlack, Request
from bench.timers import database
from bot.kernel.slack.inbox_rows import SlackInboxRow
from bot.kernel.timers.rows import Timer

SCENARIOS = ("status", "declare", "button", "modal")
LOOPS = ("closed", "open")
APPS = ("floor", "warroom")
ROOT = Path(__file__).resolve().parent.parent
MAX_REQUESTS = 20_000
QUIET_SECONDS = 0.25  # no Slack call for this long after a round: warroom's work is done


@dataclass(frozen=True)
class Options:
    requests: int
    concurrency: int
    rate: float
    rounds: int
    warmup: int
    scenarios: tuple[str, ...]
    loops: tuple[str, ...]
    slack_latency_ms: float
    database_url: str | None
    timeout: float
    verbose: bool
    workers: int = 1  # warroom serve --workers
    incidents: int = 1  # the in-channel requests go to these in turn


class Floor:
    """``python -m bench.floor_app`` as a subprocess."""

    def __init__(self, api_url: str, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [sys.executable, "-m", "bench.floor_app", "--port", str(self.port)]
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [*command, "--slack-api-url", api_url],
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the floor app exited:\n{self.log.read_text()[-3000:]}")
            with suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 1):
                return
            time.sleep(0.1)
        raise RuntimeError(f"the floor app was not listening after {timeout:g} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (all its threads) so far; NaN off Linux."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def children_cpu_seconds(pid: int) -> dict[int, float]:
    """CPU time of each child of ``pid`` (``warroom serve --workers N``'s workers)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return {}
    return {int(child): cpu_seconds(int(child)) for child in children}


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of ``pid`` and its children."""
    return cpu_seconds(pid) + sum(children_cpu_seconds(pid).values())


def serve_env(database_url: str, api_url: str, config: Path) -> dict[str, str]:
    """``warroom serve``'s environment: this checkout, the fake Slack, the database, no noise."""
    prefixes = ("SLACK_", "DATABASE_URL", "CONFIG_DIR", "PAGERDUTY_", "OPSGENIE_", "TIMER_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])]),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api_url,
            "DATABASE_URL": database_url,
            "CONFIG_DIR": str(config),
            "LOG_LEVEL": "WARNING",
            "PUBLIC_URL": "http://127.0.0.1",  # set, so serve does not warn about links
        }
    )
    return env


class Bench:
    """One run: the apps' URLs, the fake, and what has been measured so far."""

    def __init__(
        self, options: Options, slack: FakeSlack, apps: dict[str, tuple[str, int]], db: str
    ) -> None:
        self.options = options
        self.slack = slack
        self.apps = apps  # name -> (its /slack/events URL, its pid)
        self.engine: Engine = create_engine(db, poolclass=NullPool)
        self.results: dict[tuple[str, str, str], Result] = {}
        self.calls: dict[str, list[Call]] = {}
        self.mark = (0, 0)
        self.next_index = 1
        self.client_cpu, self.client_requests = 0.0, 0  # this process's cost of sending

    def settle(self) -> None:
        """Until warroom's work is done: every stored request applied, no timer due (or
        running: a claimed timer stays due until it is done), and no Slack call for a moment."""
        timeout = self.options.timeout
        activity, progressed = self.slack.activity(), time.monotonic()
        while busy := self._busy():
            time.sleep(0.05)
            if time.monotonic() - progressed > 0.5:  # a backlog may take long: fail on a stall
                now = self.slack.activity()
                if now != activity:
                    activity, progressed = now, time.monotonic()
                elif time.monotonic() - progressed > timeout:
                    raise RuntimeError(f"warroom made no progress for {timeout:g} s: {busy}")
        if not self.slack.wait_quiet(QUIET_SECONDS, timeout):
            raise RuntimeError(f"warroom was still calling Slack after {timeout:g} s")

    def _busy(self) -> str:
        inbox = select(func.count()).where(SlackInboxRow.status == "pending")
        due = select(func.count()).where(
            Timer.status == "pending", Timer.due_at <= datetime.now(UTC)
        )
        with self.engine.connect() as connection:
            stored = connection.execute(inbox).scalar_one()
            timers = connection.execute(due).scalar_one()
        return f"{stored} requests not applied, {timers} timers due" if stored or timers else ""

    def build(self, scenario: str, count: int) -> list[Request]:
        requests = self.slack.requests(scenario, self.next_index, count)
        self.next_index += count
        return requests

    def send(self, app: str, loop: str, requests: list[Request]) -> Result:
        url = self.apps[app][0]
        if loop == "closed":
            run = closed_loop(url, SIGNING_SECRET, requests, self.options.concurrency)
        else:
            run = open_loop(url, SIGNING_SECRET, requests, self.options.rate)
        cpu = time.process_time()
        samples, wall = asyncio.run(run)
        self.client_cpu += time.process_time() - cpu
        self.client_requests += len(samples)
        return Result(samples, wall)

    def stage(self) -> None:
        """Declare the incidents the in-channel scenarios aim at, and open their update modal."""
        count = self.options.incidents
        found = partial(self.slack.find_stages, count)
        self._until(found, "stage", "the stage incidents' channels", count)
        if {"button", "modal"} & set(self.options.scenarios):
            for opened in range(1, count + 1):  # a click on each card in turn (by request index)
                found = partial(self._modals_opened, opened)
                self._until(found, "button", "the status-update modal")
        self.settle()

    def _modals_opened(self, at_least: int) -> bool:
        return self.slack.find_update_modals() >= at_least

    def _until(self, found: Callable[[], bool], scenario: str, what: str, count: int = 1) -> None:
        for request in self.build(scenario, count):
            result = self.send("warroom", "closed", [request])
            if result.errors:
                raise RuntimeError(f"{what}: {result.errors[0]}")
        deadline = time.monotonic() + self.options.timeout
        while not found():
            if time.monotonic() > deadline:
                raise RuntimeError(f"no {what} after {self.options.timeout:g} s")
            time.sleep(0.05)

    def scenario(self, scenario: str) -> None:
        options = self.options
        for app in APPS:
            if options.warmup:  # first requests pay for imports, connections, caches
                self.send(app, "closed", self.build(scenario, options.warmup))
                self.settle()
        self.mark, _ = self.slack.calls_since(self.mark)  # warroom's calls from here on count
        sizes = [
            options.requests // options.rounds + (1 if i < options.requests % options.rounds else 0)
            for i in range(options.rounds)
        ]
        for loop in options.loops:
            print(f"{scenario}, {loop} loop...", file=sys.stderr, flush=True)
            for size in sizes:
                for app in APPS:
                    requests = self.build(scenario, size)
                    pid = self.apps[app][1]
                    cpu = tree_cpu_seconds(pid)
                    result = self.send(app, loop, requests)
                    self.settle()  # the round's work after the ack is done: counted, not carried
                    total = self.results.setdefault((scenario, loop, app), Result(cpu_seconds=0))
                    total.samples += result.samples
                    total.wall_seconds += result.wall_seconds
                    total.cpu_seconds += tree_cpu_seconds(pid) - cpu
        self.mark, self.calls[scenario] = self.slack.calls_since(self.mark)


def report(
    bench: Bench, load: tuple[float, ...], seconds: float, backend: str, logs: dict[str, str]
) -> int:
    options = bench.options
    loops = " and ".join(
        f"closed loop ({options.concurrency} in flight)"
        if loop == "closed"
        else f"open loop ({options.rate:g}/s)"
        for loop in options.loops
    )
    print(
        f"warroom serve --workers {options.workers} ({backend}) vs floor (bare Bolt, one "
        f"process), fake Slack in a process of its own; 127.0.0.1, {os.cpu_count()} cores"
    )
    print(
        f"{options.requests} requests per app, scenario and loop, {loops}, in "
        f"{options.rounds} alternating rounds; warm-up {options.warmup}; fake Slack latency "
        f"{options.slack_latency_ms:g} ms"
    )
    print(
        f"load average before {' '.join(f'{x:.2f}' for x in load)}, after "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; took {seconds:.0f} s; the client "
        f"used {bench.client_cpu * 1000 / max(1, bench.client_requests):.1f} ms CPU per request"
    )
    print()
    print(HEADER)
    print("-" * len(HEADER))
    failed = False
    for scenario in options.scenarios:
        for loop in options.loops:
            floor = bench.results[(scenario, loop, "floor")]
            ours = bench.results[(scenario, loop, "warroom")]
            failed = failed or bool(floor.errors or ours.errors)
            for row in ack_rows(scenario, loop, floor, ours):
                print(row)
    if "declare" in options.scenarios:
        print()
        print(
            "declare to a ready channel (created, declarer invited, card pinned, topic set, "
            "declarer answered), from when the declare was due:"
        )
        for loop in options.loops:
            samples = bench.results[("declare", loop, "warroom")].samples
            latencies, missing = ready_latencies(samples, bench.calls["declare"])
            failed = failed or missing > 0
            print(ready_row(loop, latencies, missing))
    if "status" in options.scenarios:
        print()
        print("status answered (the ack's body, or its response_url post), from when it was due:")
        for loop in options.loops:
            samples = bench.results[("status", loop, "warroom")].samples
            latencies = answer_latencies(samples, bench.calls["status"])
            print(ready_row(loop, latencies))
    print()
    print("warroom's Slack calls per request (Web API calls and response_url posts):")
    for scenario in options.scenarios:
        sent = sum(
            len(bench.results[(scenario, loop, "warroom")].samples) for loop in options.loops
        )
        per, methods, errors = calls_per_request(bench.calls[scenario], sent)
        print(f"  {scenario:<8} {per:.2f}: {', '.join(methods)}")
        if errors:
            print(f"  {'':<8} failed: {'; '.join(errors)}")
    for name, text in logs.items():
        summary = log_summary(text)
        if summary:
            print(f"{name} logged {summary[0]}:")
            for line in summary[1:]:
                print(f"  {line}")
    for (scenario, loop, app), result in bench.results.items():
        if result.errors:
            print(f"{app} {scenario} {loop}: {len(result.errors)} failed, e.g. {result.errors[0]}")
    return 1 if failed else 0


def run(options: Options) -> int:
    load, started = os.getloadavg(), time.monotonic()
    with ExitStack() as stack:
        url = stack.enter_context(database(options.database_url))
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="warroom-bench-")))
        (workdir / "config").mkdir()
        slack = stack.enter_context(FakeSlack(options.slack_latency_ms))
        server = Server(
            serve_env(url, slack.api_url, workdir / "config"),
            workdir,
            workdir / "serve.log",
            workers=options.workers,
        )
        stack.callback(server.stop)
        floor = Floor(slack.api_url, workdir / "floor.log")
        stack.callback(floor.stop)
        server.wait_ready()
        floor.wait_ready()
        print(
            f"pids: warroom serve {server.process.pid}, floor {floor.process.pid}, "
            f"fake Slack {slack.process.pid}, bench {os.getpid()}",
            flush=True,
        )
        apps = {
            "warroom": (f"{server.url}/slack/events", server.process.pid),
            "floor": (f"{floor.url}/slack/events", floor.process.pid),
        }
        bench = Bench(options, slack, apps, url)
        stack.callback(bench.engine.dispose)
        bench.stage()
        for scenario in options.scenarios:
            bench.scenario(scenario)
        logs = {"warroom serve": server.log.read_text(), "floor": floor.log.read_text()}
        if options.verbose:
            for name, text in logs.items():
                print(f"--- {name} log (tail)\n{text[-5000:]}")
    backend = url.split(":", 1)[0].split("+", 1)[0]
    return report(bench, load, time.monotonic() - started, backend, logs)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ack_latency",
        description="Ack latency of `warroom serve` against a bare Bolt app, each in its own "
        "process, closed and open loop.",
    )
    parser.add_argument(
        "-n", "--requests", type=int, default=200, help="per app, scenario and loop (200)"
    )
    parser.add_argument(
        "-c", "--concurrency", type=int, default=10, help="in flight, closed loop (10)"
    )
    parser.add_argument("--rate", type=float, default=20.0, help="requests/s, open loop (20)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per loop (5)")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured, per app (20)")
    parser.add_argument("--scenario", choices=[*SCENARIOS, "all"], default="all")
    parser.add_argument("--loop", choices=[*LOOPS, "both"], default="both")
    parser.add_argument(
        "--slack-latency", type=float, default=0.0, help="ms every fake Slack call takes (0)"
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to create a scratch database on (default: SQLite in a temp dir)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,  # beyond the 60 s after which a failed request is replayed
        help="s without progress after which warroom's work counts as stuck (120)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="warroom serve --workers (1; the floor is one process either way)",
    )
    parser.add_argument("--verbose", action="store_true", help="print the apps' log tails")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= MAX_REQUESTS:
        parser.error(f"-n must be 1..{MAX_REQUESTS}")
    if not 1 <= args.concurrency <= 200:
        parser.error("-c must be 1..200")
    if not 0 < args.rate <= 1000:
        parser.error("--rate must be in (0, 1000]")
    if not 1 <= args.rounds <= args.requests:
        parser.error("--rounds must be 1..N")
    if not 0 <= args.warmup <= MAX_REQUESTS:
        parser.error(f"--warmup must be 0..{MAX_REQUESTS}")
    if not 0 <= args.slack_latency <= 5000:
        parser.error("--slack-latency must be 0..5000 ms")
    options = Options(
        requests=args.requests,
        concurrency=args.concurrency,
        rate=args.rate,
        rounds=args.rounds,
        warmup=args.warmup,
        scenarios=SCENARIOS if args.scenario == "all" else (args.scenario,),
        loops=LOOPS if args.loop == "both" else (args.loop,),
        slack_latency_ms=args.slack_latency,
        database_url=args.database_url,
        timeout=args.timeout,
        verbose=args.verbose,
        workers=args.workers,
    )
    return run(options)


if __name__ == "__main__":
    sys.exit(main())
