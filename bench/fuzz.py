"""Fuzz every endpoint of a running ``warroom serve``: no 5xx, no traceback, bounded memory.

On 127.0.0.1 only: this process runs the fake Slack (``FakeSlackServer``) and the client;
``warroom serve`` runs as a subprocess (its own interpreter, its timer runner, the default
settings) on a fresh database (SQLite in a temporary folder, or a new database on the
PostgreSQL server named by ``--database-url``, dropped afterwards), with every alert webhook
enabled, calendar feeds and signed review links.

Two incidents are declared first (one resolved, with a post-mortem asked for) so that requests
can aim at real channels, cards and pages. Then ``--n`` requests, drawn from
``warroom_sandbox.fuzz`` (the generators the fuzz tests use), go to every endpoint: Slack slash
commands, interactions for every action and view id the app registers, events, unsigned
junk, malformed timestamps and huge bodies; the alert webhooks; post-mortem review pages;
calendar feeds; ``/metrics``, ``/readyz``, ``/healthz``; paths nobody serves. ``-c`` of them
are in flight at a time.

It prints the answers by kind and status class, the requests answered 5xx (and those refused
with another status than the one right one: 401 or 413), the tracebacks found in the server's
log, the latency percentiles, and the server's resident memory (``VmRSS``) before and after.
It exits 1 unless there was no 5xx and no traceback and the RSS after stays under
``--max-rss-mb`` (150).

    python -m bench.fuzz --n 10000
    python -m bench.fuzz --n 2000 --seed 7 -c 8
    python -m bench.fuzz --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import create_engine, func, select
from sqlalchemy.pool import NullPool

from bench.paging import BOT_TOKEN, SIGNING_SECRET, Server, app_env
from bench.timers import database, percentile
from bot.composition import build
from bot.kernel.settings import Settings
from bot.kernel.timers.rows import Timer
from bot.oncall.web.ical import CalendarFeeds
from bot.postmortems.web.links import ReviewLinks
from warroom_sandbox.fuzz import FuzzRequest, Registry, Target, generators, registry_of
from warroom_sandbox.fuzz.wire import Answer, send
from warroom_sandbox.seed import GENERAL, LEAD, MANAGER, ONCALL
from warroom_sandbox.server import FakeSlackServer
from warroom_sandbox.signing import SlackDriver

ALERT_TOKEN = "warroom-bench-fuzz-alert-token"  # only ever used on loopback
GENERIC_SECRET = "warroom-bench-fuzz-generic-secret"
ICAL_SECRET = "warroom-bench-fuzz-ical-secret"
LINK_SECRET = "warroom-bench-fuzz-link-secret"
PUBLIC_URL = "http://warroom.test"
UNUSED_PAGERDUTY = "http://127.0.0.1:9"  # nobody in this config is paged by PagerDuty
SLACK_DEADLINE_SECONDS = 3.0
MAX_REQUESTS = 1_000_000
# How often each kind is drawn (relative weights).
WEIGHTS = {
    "slack.command": 20,
    "slack.interaction": 25,
    "slack.event": 12,
    "slack.unsigned": 8,
    "slack.timestamp": 5,
    "slack.huge": 0.5,
    "webhook": 12,
    "postmortem": 6,
    "calendar": 5,
    "probe": 4,
    "nowhere": 2.5,
}
_EXCEPTION_LINE = re.compile(r"^(\w+(?:\.\w+)*(?:Error|Exception|Exit|Interrupt)\b.*)$", re.M)


@dataclass(frozen=True)
class Options:
    requests: int
    in_flight: int
    seed: int
    database_url: str | None
    max_rss_mb: float
    timeout: float
    verbose: bool
    log: Path | None = None
    only: tuple[str, ...] = ()  # kinds to draw from (default: every kind, by WEIGHTS)


@dataclass(frozen=True)
class Result:
    request: FuzzRequest
    answer: Answer


def run(options: Options) -> int:
    with ExitStack() as stack:
        url = stack.enter_context(database(options.database_url))
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="warroom-bench-")))
        config = write_config(workdir / "config")
        slack = stack.enter_context(FakeSlackServer(trigger_ttl=600, response_url_ttl=3600))
        env = app_env(url, slack, UNUSED_PAGERDUTY, config)
        env.update(
            {
                "ALERTS_ALERTMANAGER_TOKEN": ALERT_TOKEN,
                "ALERTS_GRAFANA_TOKEN": ALERT_TOKEN,
                "ALERTS_GENERIC_HMAC_SECRET": GENERIC_SECRET,
                "ICAL_SECRET": ICAL_SECRET,
                "POSTMORTEM_LINK_SECRET": LINK_SECRET,
                "PUBLIC_URL": PUBLIC_URL,
            }
        )
        server = Server(env, workdir, workdir / "serve.log")
        stack.callback(server.stop)
        server.wait_ready()
        target = seed(server, slack, registry(slack, workdir, config))
        rss_before = rss_mb(server.process.pid)
        started = time.monotonic()
        results = fuzz(server, target, options)
        seconds = time.monotonic() - started
        wait_idle(url, options.timeout)
        rss_after = rss_mb(server.process.pid)
        log = server.log.read_text(errors="replace")
        if options.log is not None:
            options.log.write_text(log)
        if options.verbose:
            print(log[-5000:])
    return report(options, url, results, seconds, log, (rss_before, rss_after))


def write_config(folder: Path) -> Path:
    """Three people, Olivia always on call, one service, alert routes for every severity."""
    folder.mkdir(parents=True)
    (folder / "users.yaml").write_text(f"""
users:
  - {{name: Olivia Oncall, slack_id: {ONCALL}}}
  - {{name: Liam Lead, slack_id: {LEAD}}}
  - {{name: Maya Manager, slack_id: {MANAGER}}}
""")
    (folder / "schedules.yaml").write_text(f"""
schedules:
  - name: primary
    time_zone: Europe/Berlin
    layers:
      - name: all-week
        users: [{ONCALL}, {LEAD}]
        rotation_virtual_start: "2024-01-01 09:00"
        turn: weekly
""")
    (folder / "escalation_policies.yaml").write_text("""
escalation_policies:
  - name: fuzz
    levels:
      - {delay_minutes: 30, targets: [{schedule: primary}]}
""")
    (folder / "services.yaml").write_text("""
services:
  - {name: checkout-api, escalation_policy: fuzz}
""")
    (folder / "alert_routes.yaml").write_text("""
routes:
  - {name: critical, match: {severity: critical}, action: incident, service: checkout-api}
  - {name: chatter, action: channel, channel: "#general"}
""")
    return folder


def registry(slack: FakeSlackServer, workdir: Path, config: Path) -> Registry:
    """What the app listens for, read off a Bolt app built like the server's (never served)."""
    settings = Settings(
        _env_file=None,
        slack_bot_token=SecretStr(BOT_TOKEN),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=slack.api_url,
        database_url=f"sqlite:///{workdir / 'registry.db'}",
        config_dir=config,
    )
    warroom = build(settings)
    try:
        return registry_of(warroom.bolt)
    finally:
        warroom.engine.dispose()


def seed(server: Server, slack: FakeSlackServer, listens: Registry) -> Target:
    """Two incidents, the second resolved with its post-mortem asked for; their ids as aims."""
    with SlackDriver(f"{server.url}/slack/events", SIGNING_SECRET, slack) as driver:
        channels = [declare(driver, slack, title) for title in ("Fuzz one sev2", "Fuzz two sev1")]
        for text in ("resolve", "postmortem"):
            driver.slash_command(text=text, user_id=ONCALL, channel_id=channels[1])
    said = slack.state.post_as_user(ONCALL, channels[0], "Rolled back to 4.2.1")
    links = ReviewLinks(
        PUBLIC_URL, LINK_SECRET.encode(), timedelta(hours=24), lambda: datetime.now(UTC)
    )
    feed = CalendarFeeds(PUBLIC_URL, SecretStr(ICAL_SECRET)).url("primary") or ""
    return Target(
        signing_secret=SIGNING_SECRET,
        slack=slack,
        registry=listens,
        channels=channels,
        messages=[(c, slack.state.pins(c)[0].ts) for c in channels] + [(channels[0], said.ts)],
        numbers=[1, 2, 3],
        steps=["s1"],
        alert_token=ALERT_TOKEN,
        generic_secret=GENERIC_SECRET,
        review_links=[links.url(n).removeprefix(PUBLIC_URL) for n in (1, 2)],
        feeds=[feed.removeprefix(PUBLIC_URL)],
    )


def declare(driver: SlackDriver, slack: FakeSlackServer, text: str) -> str:
    before = {c.id for c in slack.state.conversations()}
    response = driver.slash_command(text=f"declare {text}", user_id=ONCALL, channel_id=GENERAL)
    if response.status_code != 200:
        raise RuntimeError(f"declare answered {response.status_code}: {response.text[:200]}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for channel in slack.state.conversations():
            if channel.id not in before and slack.state.pins(channel.id) and channel.topic:
                return channel.id
        time.sleep(0.05)
    raise RuntimeError(f"no incident channel for {text!r} after 60 s")


def fuzz(server: Server, target: Target, options: Options) -> list[Result]:
    """``--n`` requests, generated here (the fake Slack mints their ids) and sent ``-c`` at a
    time, each batch generated just before it is sent (signatures are good for 5 minutes)."""
    rnd = random.Random(options.seed)
    made = generators()
    drawn = {k: w for k, w in WEIGHTS.items() if not options.only or k in options.only}
    kinds, weights = list(drawn), list(drawn.values())
    host, port = "127.0.0.1", server.port
    results: list[Result] = []
    with ThreadPoolExecutor(max_workers=options.in_flight) as pool:
        while len(results) < options.requests:
            size = min(options.in_flight, options.requests - len(results))
            batch = [made[k](rnd, target) for k in rnd.choices(kinds, weights, k=size)]
            answers = pool.map(lambda r: send(host, port, r, options.timeout), batch)
            results += [Result(r, a) for r, a in zip(batch, answers, strict=True)]
    return results


def wait_idle(url: str, timeout: float) -> None:
    """Until no timer is due or running (the work the requests left behind is done)."""
    engine = create_engine(url, poolclass=NullPool)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                due = connection.execute(
                    select(func.count())
                    .select_from(Timer)
                    .where(Timer.status == "pending", Timer.due_at <= datetime.now(UTC))
                ).scalar_one()
            if due == 0:
                return
            time.sleep(0.2)
        print(f"(the app was still busy after {timeout:g} s)")
    finally:
        engine.dispose()


def rss_mb(pid: int) -> float:
    """The process's resident set (``VmRSS`` in /proc/<pid>/status), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def report(
    options: Options,
    url: str,
    results: list[Result],
    seconds: float,
    log: str,
    rss: tuple[float, float],
) -> int:
    backend = url.split(":", 1)[0].split("+", 1)[0]
    print(
        f"fuzz: warroom serve on {backend}; {len(results)} requests in {seconds:.0f} s "
        f"({len(results) / seconds:.0f}/s), {options.in_flight} in flight, seed {options.seed}"
    )
    print()
    classes = ("2xx", "3xx", "4xx", "5xx", "none")
    print(f"{'kind':<18} {'endpoint':<24} " + " ".join(f"{c:>6}" for c in classes))
    table: dict[tuple[str, str], Counter[str]] = {}
    for r in results:
        table.setdefault((r.request.kind, r.request.endpoint), Counter())[_class(r.answer)] += 1
    for (kind, endpoint), counts in sorted(table.items()):
        cells = " ".join(f"{counts[c]:>6}" for c in classes)
        print(f"{kind:<18} {endpoint[:24]:<24} {cells}")
    print()
    latencies = [r.answer.seconds * 1000 for r in results if r.answer.status]
    slow = sum(1 for r in results if r.answer.seconds >= SLACK_DEADLINE_SECONDS)
    print(
        f"latency ms: p50 {percentile(latencies, 50):.1f}, p99 {percentile(latencies, 99):.1f}, "
        f"max {max(latencies, default=float('nan')):.1f}; answers after 3 s: {slow}"
    )
    failures = _failures(results, log, rss, options)
    for failure in failures:
        print(f"FAILED: {failure}")
    print("OK" if not failures else f"{len(failures)} goals missed")
    return 1 if failures else 0


def _failures(
    results: list[Result], log: str, rss: tuple[float, float], options: Options
) -> list[str]:
    errors = [r for r in results if r.answer.status >= 500 or r.answer.status == 0]
    wrong = [
        r
        for r in results
        if r.request.expect is not None
        and 0 < r.answer.status < 500
        and r.answer.status != r.request.expect
    ]
    tracebacks = log.count("Traceback (most recent call last)")
    print(f"5xx or no answer: {len(errors)}; other status than the right one: {len(wrong)}")
    for r in errors[:5] + wrong[:5]:
        print(f"  {r.answer.status} {r.answer.body[:120]!r} to {r.request.describe(300)}")
    print(f"tracebacks in the server log: {tracebacks}")
    for line, count in Counter(_EXCEPTION_LINE.findall(log)).most_common(8):
        print(f"  {count:5d} x {line[:200]}")
    print(f"server RSS: {rss[0]:.0f} MB before, {rss[1]:.0f} MB after")
    failures = []
    if errors:
        failures.append(f"{len(errors)} requests answered 5xx or not at all")
    if tracebacks:
        failures.append(f"{tracebacks} tracebacks in the server log")
    if not rss[1] < options.max_rss_mb:
        failures.append(f"RSS {rss[1]:.0f} MB after the run, over {options.max_rss_mb:g} MB")
    return failures


def _class(answer: Answer) -> str:
    return f"{answer.status // 100}xx" if answer.status else "none"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.fuzz",
        description="Fuzz every endpoint of warroom serve: no 5xx, no traceback, RSS bounded.",
    )
    parser.add_argument("-n", "--n", type=int, default=10_000, help="requests (10000)")
    parser.add_argument("-c", "--in-flight", type=int, default=4, help="requests at once (4)")
    parser.add_argument("--seed", type=int, help="replay the same requests (default: random)")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to create a scratch database on (default: SQLite in a temp dir)",
    )
    parser.add_argument("--max-rss-mb", type=float, default=150.0, help="the goal (150)")
    parser.add_argument("--timeout", type=float, default=60.0, help="per request, s (60)")
    parser.add_argument(
        "--only", help=f"comma-separated kinds to send (default: all of {', '.join(WEIGHTS)})"
    )
    parser.add_argument("--log", type=Path, help="keep a copy of the server's log there")
    parser.add_argument("--verbose", action="store_true", help="print the server log's tail")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not 0 < args.n <= MAX_REQUESTS or args.in_flight < 1:
        print(f"--n must be 1..{MAX_REQUESTS} and -c at least 1", file=sys.stderr)
        return 2
    only = tuple(k for k in (args.only or "").split(",") if k)
    if set(only) - set(WEIGHTS):
        print(f"--only: unknown kinds {sorted(set(only) - set(WEIGHTS))}", file=sys.stderr)
        return 2
    options = Options(
        requests=args.n,
        in_flight=args.in_flight,
        seed=args.seed if args.seed is not None else random.randrange(2**32),
        database_url=args.database_url,
        max_rss_mb=args.max_rss_mb,
        timeout=args.timeout,
        verbose=args.verbose,
        log=args.log,
        only=only,
    )
    return run(options)


if __name__ == "__main__":
    sys.exit(main())
