"""The web app's incident list and insights over 100,000 incidents: ``python -m bench.insights``.

Seeds ``-n`` incidents (a year and more of them, over 12 services, every severity and status) into
a fresh migrated database (SQLite in a temporary folder, or a scratch database on the PostgreSQL
server named by ``--database-url``), serves the app on loopback with uvicorn as ``warroom serve``
does, and times signed-in ``GET /incidents`` for a set of filters, sorts and pages (``--rounds``
each). Prints p50/p95 per query and the query plans of the list's SELECT; exits 1 when a p95 is
over ``--max-p95-ms`` (100).

Then, in another fresh database, it seeds a year of history from ``tests/insights/history.py``
(``-n`` incidents over 12 services with their alerts, alert noise, pages and action items, the
year ending today), serves it, times Slack's acks of ``/incident help`` while the warm-up
computes the default scope and after (printing when it was ready), and times signed-in
``GET /insights`` (the whole page: every chart and table) and a CSV for a few scopes; exits 1
when a p95 is over ``--max-insights-p95-ms`` (300).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import Engine, insert, text
from starlette.responses import Response

from bench.timers import database
from bot.composition import build
from bot.incidents.rows import IncidentRow
from bot.insights.web.cookies import Cookies
from bot.kernel.settings import Settings
from tests.insights.history import generate, insert_history
from warroom_sandbox import FakeSlackServer
from warroom_sandbox.server import BackgroundServer
from warroom_sandbox.signing import SlackDriver

SERVICES = [f"service-{n:02d}" for n in range(12)]
STATUSES = ("resolved", "resolved", "resolved", "mitigated", "identified", "investigating")
START = datetime(2024, 1, 1, tzinfo=UTC)
QUERIES = {
    "newest first": "",
    "page 200": "page=200",
    "SEV1": "severity=SEV1",
    "open in one service": "status=investigating&service=service-03",
    "one month": "since=2025-03-01&until=2025-03-31",
    "title text": "q=latency%2042",
    "sorted by title": "sort=title&dir=asc",
    "service, sorted by severity": "service=service-07&sort=severity",
}
SECRET = "bench-session-secret"
INSIGHT_QUERIES = {
    "last 12 months (default)": "/insights",
    "one service": "/insights?service=search",
    "one quarter": "/insights?since={quarter}&until={today}",
    "a CSV (MTTx by month)": "/insights/mttx-month.csv",
}


def seed(engine: Engine, count: int) -> float:
    started = time.perf_counter()
    step = timedelta(minutes=7)
    batch: list[dict[str, Any]] = []
    with engine.begin() as connection:
        for n in range(1, count + 1):
            declared = START + step * n
            batch.append(
                {
                    "title": f"{('Checkout', 'Search', 'Login')[n % 3]} latency {n}",
                    "description": "",
                    "severity": f"SEV{n % 4 + 1}",
                    "status": STATUSES[n % len(STATUSES)],
                    "service": SERVICES[n % len(SERVICES)],
                    "declarer_id": "U0ONCALL",
                    "lead_id": "U0ONCALL",
                    "provision_state": "done",
                    "channel_name": f"inc-{n}",
                    "declared_at": declared,
                    "roles": {},
                    "version": 1,
                }
            )
            if len(batch) == 10_000:
                connection.execute(insert(IncidentRow), batch)
                batch = []
        if batch:
            connection.execute(insert(IncidentRow), batch)
        # What autovacuum (PostgreSQL) or a first ANALYZE (SQLite) gives a database in service.
        connection.execute(text("ANALYZE"))
    return time.perf_counter() - started


def session_cookie() -> str:
    response = Response()
    Cookies(SECRET.encode(), timedelta(hours=1), secure=False).start_session(
        response, "U0ONCALL", "T0001", "Bench", "Europe/Berlin"
    )
    return response.headers["set-cookie"].split(";")[0].split("=", 1)[1]


def plans(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    probes = {
        "newest first": "SELECT id FROM incidents ORDER BY declared_at DESC, id DESC LIMIT 50",
        "SEV1": "SELECT id FROM incidents WHERE severity='SEV1' "
        "ORDER BY declared_at DESC, id DESC LIMIT 50",
        "service + status": "SELECT id FROM incidents WHERE service='service-03' AND "
        "status='investigating' ORDER BY declared_at DESC LIMIT 50",
    }
    with engine.connect() as connection:
        for name, sql in probes.items():
            rows = connection.execute(text(f"EXPLAIN QUERY PLAN {sql}")).all()
            print(f"plan, {name}: " + " / ".join(str(r[-1]) for r in rows))


def settings_for(url: str, slack: FakeSlackServer) -> Settings:
    return Settings(
        _env_file=None,
        slack_bot_token=SecretStr("xoxb-bench"),
        slack_signing_secret=SecretStr("bench"),
        slack_api_url=slack.api_url,
        database_url=url,
        slack_client_id="bench",
        slack_client_secret=SecretStr("bench"),
        web_session_secret=SecretStr(SECRET),
    )


def time_queries(
    client: httpx.Client, queries: dict[str, str], rounds: int, cold: bool = False
) -> float:
    """Prints p50 and p95 of each (and with ``cold``, the first request's time apart: the one
    that computes what the next ones reuse); the worst p95 (ms)."""
    worst = 0.0
    for name, path in queries.items():
        first = ""
        if cold:
            # A first view waits 8 s, then answers 503 and reloads until its figures are ready.
            started = time.perf_counter()
            while (status := client.get(path).status_code) == 503:
                time.sleep(0.5)
            assert status == 200
            first = f"   first {(time.perf_counter() - started) * 1000:7.1f} ms"
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            answer = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, answer.text[:300]
        p95 = statistics.quantiles(times, n=20)[-1]
        worst = max(worst, p95)
        print(f"{name:32} p50 {statistics.median(times):6.1f} ms   p95 {p95:6.1f} ms{first}")
    return worst


def acks_while_warming(server: str, slack: FakeSlackServer, started: float) -> None:
    """Time Slack's acks of ``/incident help`` while the warm-up computes the default scope
    (bot/insights/web/warmup.py: with no view asking), then as many after; print both and when
    ``/metrics`` counted the warm-up's first finished computation."""
    line = 'warroom_insights_computations_total{why="warm-up"} 1.0'
    during: list[float] = []
    after: list[float] = []
    ready = 0.0
    with SlackDriver(f"{server}/slack/events", "bench", slack) as driver:
        while len(after) < max(40, len(during)):
            began = time.perf_counter()
            assert driver.slash_command(text="help").status_code == 200
            took = (time.perf_counter() - began) * 1000
            if not ready and line in httpx.get(f"{server}/metrics").text:
                ready = time.perf_counter() - started
            (after if ready else during).append(took)
            time.sleep(0.05)
    print(f"default scope computed by the warm-up {ready:.1f} s after the start")
    for name, times in (("acks while it computed", during), ("acks after", after)):
        if len(times) > 1:
            p95 = statistics.quantiles(times, n=20)[-1]
            print(f"{name:32} p50 {statistics.median(times):6.1f} ms   p95 {p95:6.1f} ms")


def insights(args: argparse.Namespace) -> float:
    """Seed a year of history ending now and time the insights page; the worst p95 (ms)."""
    today = datetime.now(UTC).date()
    start = datetime.combine(today - timedelta(days=364), datetime.min.time(), UTC)
    started = time.perf_counter()
    # Private incidents are rare (each costs a Slack lookup of its channel's members, cached).
    history = generate(
        seed=16, count=args.n, start=start, days=365, noise=args.n, private_share=0.0005
    )
    made = time.perf_counter() - started
    with database(args.database_url) as url, FakeSlackServer() as slack:
        app = build(settings_for(url, slack))
        started = time.perf_counter()
        insert_history(app.engine, history, batch=10_000)
        with app.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        print(
            f"made {len(history.incidents)} incidents, {len(history.alerts)} alerts, "
            f"{len(history.pages)} pages, {len(history.items)} action items in {made:.1f} s, "
            f"stored in {time.perf_counter() - started:.1f} s ({app.engine.dialect.name})"
        )
        quarter = (today - timedelta(days=91)).isoformat()
        queries = {
            name: path.format(quarter=quarter, today=today.isoformat())
            for name, path in INSIGHT_QUERIES.items()
        }
        serving = time.perf_counter()
        with (
            BackgroundServer(app.asgi) as server,
            httpx.Client(
                base_url=server.url, cookies={"warroom_session": session_cookie()}, timeout=60
            ) as client,
        ):
            acks_while_warming(server.url, slack, serving)
            # The first view asks Slack who is in the private channels (remembered 30 s).
            started = time.perf_counter()
            client.get(f"/insights?since={today.isoformat()}")
            print(f"private channels asked of Slack in {time.perf_counter() - started:.1f} s")
            worst = time_queries(client, queries, args.rounds, cold=True)
        app.engine.dispose()
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-n", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--max-p95-ms", type=float, default=100.0)
    parser.add_argument("--max-insights-p95-ms", type=float, default=300.0)
    parser.add_argument("--only", choices=("list", "insights"), default=None)
    args = parser.parse_args(argv)
    worst = 0.0 if args.only == "insights" else listing(args)
    print(f"list: worst p95 {worst:.1f} ms (limit {args.max_p95_ms:.0f} ms)")
    worst_insights = 0.0 if args.only == "list" else insights(args)
    print(f"insights: worst p95 {worst_insights:.1f} ms (limit {args.max_insights_p95_ms:.0f} ms)")
    return 0 if worst <= args.max_p95_ms and worst_insights <= args.max_insights_p95_ms else 1


def listing(args: argparse.Namespace) -> float:
    """Seed incidents and time the list; the worst p95 (ms)."""
    with database(args.database_url) as url, FakeSlackServer() as slack:
        app = build(settings_for(url, slack))
        took = seed(app.engine, args.n)
        print(f"seeded {args.n} incidents in {took:.1f} s ({app.engine.dialect.name})")
        plans(app.engine)
        with (
            BackgroundServer(app.asgi) as server,
            httpx.Client(
                base_url=server.url, cookies={"warroom_session": session_cookie()}, timeout=30
            ) as client,
        ):
            queries = {name: f"/incidents?{query}" for name, query in QUERIES.items()}
            worst = time_queries(client, queries, args.rounds)
        app.engine.dispose()
    return worst


if __name__ == "__main__":
    sys.exit(main())
