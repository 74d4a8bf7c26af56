"""Slash-command ack latency: warroom against a bare Bolt app that only acks.

Slack waits 3 s for the HTTP answer to a slash command (the *ack*); warroom acks first and works
after, once the request is recorded (docs/architecture.md §5). This measures how long the ack takes
under load, next to a floor: a bare Bolt ``App`` whose ``/incident`` listener only calls ``ack()``,
served the same way. The ratio ours/floor is the cost of everything warroom adds before and around
the ack (middleware, parsing, metrics, the thread-pool contention from the work that runs after it).

Everything runs in this one process, on 127.0.0.1:

* the fake Slack Web API (``warroom_sandbox.server.FakeSlackServer``), which both apps talk to and
  which mints the ``response_url`` of each command;
* warroom, built by ``bot.composition.build`` on a temporary SQLite file, with its timer runner
  started as ``warroom serve`` starts it, under uvicorn on an ephemeral port;
* the floor app under uvicorn on another ephemeral port;
* an ``httpx.AsyncClient`` firing signed ``/incident`` commands, ``--concurrency`` at a time.

Scenarios: ``status`` (``/incident status`` in #general, not an incident channel: warroom acks, then
answers through the response_url that this needs an incident channel) and ``declare``
(``/incident declare Bench incident <i> sev3``: warroom acks, records the incident, and its timer
runner creates, fills and pins the channel in the background). Between runs warroom's due timers
are drained, so every measured run starts quiet.

Run ``python -m bench.ack_latency --help``; see ``bench/README.md`` for reading the output.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import httpx
from pydantic import SecretStr
from slack_bolt import Ack, App, BoltRequest
from slack_sdk import WebClient
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.composition import Warroom, build
from bot.incidents.rows import IncidentRow
from bot.kernel.settings import Settings
from bot.kernel.slack.app import LISTENER_THREADS
from bot.kernel.timers.rows import Timer
from warroom_sandbox.methods import METHODS
from warroom_sandbox.payloads import VERIFICATION_TOKEN, channel_name
from warroom_sandbox.seed import GENERAL, ONCALL
from warroom_sandbox.server import BackgroundServer, FakeSlackServer
from warroom_sandbox.signing import signed_headers

SIGNING_SECRET = "warroom-bench-signing-secret"  # only ever used on loopback
BOT_TOKEN = "xoxb-warroom-bench"
SLACK_ACK_DEADLINE_MS = 3000.0
MAX_REQUESTS = 20_000
MAX_CONCURRENCY = 200
REQUEST_TIMEOUT_SECONDS = 30.0


# --- requests -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    text: Callable[[int], str]


SCENARIOS: dict[str, Scenario] = {
    "status": Scenario("status", lambda i: "status"),
    "declare": Scenario("declare", lambda i: f"declare Bench incident {i} sev3"),
}


def command_body(slack: FakeSlackServer, text: str) -> bytes:
    """``/incident <text>`` by the on-call user in #general, form-encoded as Slack posts it.

    The same form as ``SlackDriver.slash_command`` sends, built here because the driver's client
    is synchronous; the response_url and trigger id are minted by the fake, so ``respond()`` works.
    """
    state = slack.state
    user = state.user(ONCALL)
    form = {
        "token": VERIFICATION_TOKEN,
        "team_id": state.team.id,
        "team_domain": state.team.domain,
        "enterprise_id": "",
        "enterprise_name": "",
        "channel_id": GENERAL,
        "channel_name": channel_name(state.channel(GENERAL)),
        "user_id": user.id,
        "user_name": user.name,
        "command": "/incident",
        "text": text,
        "api_app_id": state.app_id,
        "is_enterprise_install": "false",
        "response_url": slack.new_response_url(GENERAL, ONCALL),
        "trigger_id": slack.issue_trigger_id(ONCALL),
    }
    return urlencode(form).encode()


def request_headers(body: bytes) -> dict[str, str]:
    """Signed now, as Slack signs: ``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        **signed_headers(SIGNING_SECRET, body),
    }


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Run:
    """The acks of one target in one scenario: latencies of the 200s, and what failed."""

    target: str
    scenario: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + len(self.errors)

    @property
    def throughput(self) -> float:
        return self.requests / self.wall_seconds if self.wall_seconds else 0.0

    @property
    def late(self) -> int:
        return sum(1 for ms in self.latencies_ms if ms >= SLACK_ACK_DEADLINE_MS)

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the successful acks (NaN when there are none)."""
        if not self.latencies_ms:
            return math.nan
        ordered = sorted(self.latencies_ms)
        rank = max(1, math.ceil(p / 100 * len(ordered)))
        return ordered[rank - 1]


async def fire(url: str, bodies: Sequence[bytes], concurrency: int, run: Run) -> None:
    """POST every body to ``url``, ``concurrency`` in flight; time each until its response."""
    pending: Iterator[bytes] = iter(bodies)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(limits=limits, timeout=REQUEST_TIMEOUT_SECONDS) as client:

        async def worker() -> None:
            for body in pending:  # one shared iterator: each body goes to exactly one worker
                headers = request_headers(body)
                started = time.perf_counter()
                try:
                    response = await client.post(url, content=body, headers=headers)
                except httpx.HTTPError as error:
                    run.errors.append(f"{type(error).__name__}: {error}")
                    continue
                elapsed_ms = (time.perf_counter() - started) * 1000
                if response.status_code == 200:
                    run.latencies_ms.append(elapsed_ms)
                else:
                    run.errors.append(f"HTTP {response.status_code}: {response.text[:200]}")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        run.wall_seconds = time.perf_counter() - started


# --- serving ----------------------------------------------------------------------------------


# --- the two targets ------------------------------------------------------------------------


def bolt_endpoint(bolt: App) -> Starlette:
    """The floor's front: the raw body and headers to Bolt, as Bolt's own adapters do."""

    async def slack_events(request: Request) -> Response:
        bolt_request = BoltRequest(
            body=(await request.body()).decode(), headers=dict(request.headers)
        )
        result = await run_in_threadpool(bolt.dispatch, bolt_request)
        return Response(result.body, result.status, result.first_headers_without_set_cookie())

    return Starlette(routes=[Route("/slack/events", slack_events, methods=["POST"])])


def floor_app(api_url: str, executor: ThreadPoolExecutor) -> Starlette:
    """A bare Bolt app on the same fake Slack whose ``/incident`` only acks."""
    bolt = App(
        client=WebClient(token=BOT_TOKEN, base_url=api_url),
        signing_secret=SIGNING_SECRET,
        process_before_response=False,
        listener_executor=executor,
    )

    @bolt.command("/incident")
    def incident(ack: Ack) -> None:
        ack()

    return bolt_endpoint(bolt)


def warroom_app(api_url: str, workdir: Path) -> Warroom:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only argument
        slack_bot_token=SecretStr(BOT_TOKEN),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=api_url,
        database_url=f"sqlite:///{workdir / 'bench.db'}",
        log_level="WARNING",
    )
    return build(settings)


def shutdown_listener_threads(bolt: App) -> None:
    """Stop the thread pool Bolt made for warroom's listeners (``build`` passes it none)."""
    runner = getattr(bolt, "_listener_runner", None)
    executor = getattr(runner, "listener_executor", None)
    if isinstance(executor, ThreadPoolExecutor):
        executor.shutdown(wait=True)


def pending_due(warroom: Warroom) -> int:
    with warroom.sessions() as session:
        count = session.scalar(
            select(func.count())
            .select_from(Timer)
            .where(Timer.status == "pending", Timer.due_at <= datetime.now(UTC))
        )
    return int(count or 0)


def drain(warroom: Warroom, timeout: float) -> float | None:
    """Wait until warroom has no due timers left; seconds it took, None on timeout."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if pending_due(warroom) == 0:
            return time.monotonic() - started
        warroom.runner.wake()
        time.sleep(0.1)
    return None


def wait_for_answers(slack: FakeSlackServer, expected: int, timeout: float) -> int:
    """Wait until the fake Slack holds ``expected`` interaction answers; how many it holds."""
    deadline = time.monotonic() + timeout
    while True:
        answers = len(slack.state.responses())
        if answers >= expected or time.monotonic() > deadline:
            return answers
        time.sleep(0.05)


def incident_counts(warroom: Warroom) -> tuple[int, int, int]:
    """(incidents, provisioned incidents, failed timers)."""
    with warroom.sessions() as session:
        incidents = session.scalar(select(func.count()).select_from(IncidentRow)) or 0
        ready = (
            session.scalar(
                select(func.count())
                .select_from(IncidentRow)
                .where(IncidentRow.provision_state == "ready")
            )
            or 0
        )
        failed = (
            session.scalar(select(func.count()).select_from(Timer).where(Timer.status == "failed"))
            or 0
        )
    return int(incidents), int(ready), int(failed)


# --- logging: count what the apps report, show it at the end ---------------------------------


class ErrorTally(logging.Handler):
    """Counts ERROR (and worse) records and keeps the first few distinct ones."""

    def __init__(self, keep: int = 5) -> None:
        super().__init__(level=logging.ERROR)
        self.count = 0
        self.first: list[str] = []
        self._keep = keep

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        line = f"{record.name}: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            line += f" [{type(error).__name__}: {error}]"
        line = line[:300]
        if len(self.first) < self._keep and line not in self.first:
            self.first.append(line)


# --- the run --------------------------------------------------------------------------------


@dataclass
class Options:
    requests: int
    concurrency: int
    warmup: int
    scenarios: list[Scenario]
    drain_timeout: float
    slack_latency_ms: float
    verbose: bool


def run_benchmark(options: Options) -> tuple[list[Run], list[str]]:
    runs: list[Run] = []
    notes: list[str] = []
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="warroom-bench-")))
        slack = stack.enter_context(FakeSlackServer())
        if options.slack_latency_ms:
            for method in [*METHODS, "response_url"]:
                slack.latency(method, options.slack_latency_ms / 1000)

        executor = ThreadPoolExecutor(
            max_workers=LISTENER_THREADS, thread_name_prefix="bench-floor"
        )
        stack.callback(executor.shutdown, wait=True)
        floor = stack.enter_context(BackgroundServer(floor_app(slack.api_url, executor)))

        warroom = warroom_app(slack.api_url, workdir)
        stack.callback(warroom.engine.dispose)  # after the server stops (callbacks run LIFO)
        stack.callback(shutdown_listener_threads, warroom.bolt)
        ours = stack.enter_context(
            BackgroundServer(warroom.asgi)
        )  # its lifespan runs the timer runner

        targets = (("floor", f"{floor.url}/slack/events"), ("warroom", f"{ours.url}/slack/events"))
        sequence = 0
        for scenario in options.scenarios:
            answers_before = len(slack.state.responses())
            incidents_before = incident_counts(warroom)[0]
            for target, url in targets:
                if options.warmup:
                    warm = [
                        command_body(slack, scenario.text(sequence + i))
                        for i in range(options.warmup)
                    ]
                    sequence += options.warmup
                    asyncio.run(fire(url, warm, options.concurrency, Run(target, "warm")))
                    if target == "warroom":
                        drain(warroom, options.drain_timeout)
                bodies = [
                    command_body(slack, scenario.text(sequence + i))
                    for i in range(options.requests)
                ]
                sequence += options.requests
                run = Run(target, scenario.name)
                asyncio.run(fire(url, bodies, options.concurrency, run))
                runs.append(run)
            drained = drain(warroom, options.drain_timeout)
            took = (
                f"drained in {drained:.1f} s"
                if drained is not None
                else f"NOT drained after {options.drain_timeout:.0f} s "
                f"({pending_due(warroom)} timers still due)"
            )
            sent = options.requests + options.warmup
            if scenario.name == "status":
                answers = (
                    wait_for_answers(slack, answers_before + sent, options.drain_timeout)
                    - answers_before
                )
                notes.append(
                    f"status: {answers}/{sent} 'needs an incident channel' answers reached "
                    f"the response_url; {took}"
                )
            else:
                incidents, ready, failed = incident_counts(warroom)
                notes.append(
                    f"{scenario.name}: {incidents - incidents_before}/{sent} incidents recorded, "
                    f"{ready} provisioned in all, {failed} failed timers; {took}"
                )
    return runs, notes


# --- output ---------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1f}"


def _ratio(ours: float, floor: float) -> str:
    if math.isnan(ours) or math.isnan(floor) or floor == 0:
        return "-"
    return f"x{ours / floor:.2f}"


def render(runs: list[Run], options: Options) -> str:
    header = (
        f"{'scenario':<9} {'target':<12} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'req/s':>8} {'errors':>6} {'>=3s':>5}"
    )
    lines = [
        f"warroom slash-command ack latency: N={options.requests} requests per run, "
        f"C={options.concurrency} concurrent, warm-up {options.warmup}, "
        f"fake Slack latency {options.slack_latency_ms:g} ms; 127.0.0.1, one process",
        "",
        header,
        "-" * len(header),
    ]
    by_scenario: dict[str, dict[str, Run]] = {}
    for run in runs:
        by_scenario.setdefault(run.scenario, {})[run.target] = run
    for scenario, pair in by_scenario.items():
        for target, label in (("floor", "floor (Bolt)"), ("warroom", "warroom")):
            run = pair[target]
            lines.append(
                f"{scenario:<9} {label:<12} {_ms(run.percentile(50)):>8} "
                f"{_ms(run.percentile(99)):>8} {_ms(run.percentile(100)):>8} "
                f"{run.throughput:>8.1f} {len(run.errors):>6} {run.late:>5}"
            )
        ours, floor = pair["warroom"], pair["floor"]
        lines.append(
            f"{scenario:<9} {'ours/floor':<12} "
            f"{_ratio(ours.percentile(50), floor.percentile(50)):>8} "
            f"{_ratio(ours.percentile(99), floor.percentile(99)):>8} {'':>8} "
            f"{_ratio(ours.throughput, floor.throughput):>8}"
        )
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ack_latency",
        description="Slash-command ack latency of warroom against a bare Bolt app that only acks.",
    )
    parser.add_argument(
        "--requests", "-n", type=int, default=500, metavar="N", help="per run (default 500)"
    )
    parser.add_argument(
        "--concurrency",
        "-c",
        type=int,
        default=10,
        metavar="C",
        help="requests in flight (default 10)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=20,
        metavar="W",
        help="unmeasured requests per run first (default 20)",
    )
    parser.add_argument(
        "--scenario",
        choices=[*SCENARIOS, "all"],
        default="all",
        help="which commands to send (default: all)",
    )
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=120.0,
        metavar="S",
        help="seconds to wait for warroom's background work between runs (default 120)",
    )
    parser.add_argument(
        "--slack-latency",
        type=float,
        default=0.0,
        metavar="MS",
        help="delay every fake Slack API call and response_url post by MS (default 0)",
    )
    parser.add_argument("--verbose", action="store_true", help="show the apps' log on stderr")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= MAX_REQUESTS:
        parser.error(f"--requests must be 1..{MAX_REQUESTS}")
    if not 1 <= args.concurrency <= MAX_CONCURRENCY:
        parser.error(f"--concurrency must be 1..{MAX_CONCURRENCY}")
    if not 0 <= args.warmup <= MAX_REQUESTS:
        parser.error(f"--warmup must be 0..{MAX_REQUESTS}")
    if not 0 <= args.slack_latency <= 5000:
        parser.error("--slack-latency must be 0..5000 ms")
    chosen = list(SCENARIOS.values()) if args.scenario == "all" else [SCENARIOS[args.scenario]]
    options = Options(
        requests=args.requests,
        concurrency=args.concurrency,
        warmup=args.warmup,
        scenarios=chosen,
        drain_timeout=args.drain_timeout,
        slack_latency_ms=args.slack_latency,
        verbose=args.verbose,
    )

    if options.verbose:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    else:
        logging.getLogger().setLevel(logging.WARNING)
    # Without --verbose the tally is the root's only handler: errors are counted, not printed.
    tally = ErrorTally()
    logging.getLogger().addHandler(tally)

    runs, notes = run_benchmark(options)

    print(render(runs, options))
    print()
    print("warroom's work after the ack:")
    for note in notes:
        print(f"  {note}")
    if tally.count:
        print(f"  {tally.count} errors logged by the apps; first ones:")
        for line in tally.first:
            print(f"    {line}")
    failed = [run for run in runs if run.errors]
    for run in failed:
        print(f"{run.target}/{run.scenario}: {len(run.errors)} failed, e.g. {run.errors[0]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
