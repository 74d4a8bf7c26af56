"""The web app's incident list over 100,000 incidents: ``python -m bench.insights``.

Seeds ``-n`` incidents (a year and more of them, over 12 services, every severity and status) into
a fresh migrated database (SQLite in a temporary folder, or a scratch database on the PostgreSQL
server named by ``--database-url``), serves the app on loopback with uvicorn as ``warroom serve``
does, and times signed-in ``GET /incidents`` for a set of filters, sorts and pages (``--rounds``
each). Prints p50/p95 per query and the query plans of the list's SELECT; exits 1 when a p95 is
over ``--max-p95-ms`` (100).
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
from warroom_sandbox import FakeSlackServer
from warroom_sandbox.server import BackgroundServer

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-n", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--max-p95-ms", type=float, default=100.0)
    args = parser.parse_args(argv)
    worst = 0.0
    with database(args.database_url) as url, FakeSlackServer() as slack:
        settings = Settings(
            _env_file=None,
            slack_bot_token=SecretStr("xoxb-bench"),
            slack_signing_secret=SecretStr("bench"),
            slack_api_url=slack.api_url,
            database_url=url,
            slack_client_id="bench",
            slack_client_secret=SecretStr("bench"),
            web_session_secret=SecretStr(SECRET),
        )
        app = build(settings)
        took = seed(app.engine, args.n)
        print(f"seeded {args.n} incidents in {took:.1f} s ({app.engine.dialect.name})")
        plans(app.engine)
        with (
            BackgroundServer(app.asgi) as server,
            httpx.Client(
                base_url=server.url, cookies={"warroom_session": session_cookie()}, timeout=30
            ) as client,
        ):
            for name, query in QUERIES.items():
                times = []
                for _ in range(args.rounds):
                    started = time.perf_counter()
                    answer = client.get(f"/incidents?{query}")
                    times.append((time.perf_counter() - started) * 1000)
                    assert answer.status_code == 200, answer.text[:300]
                p95 = statistics.quantiles(times, n=20)[-1]
                worst = max(worst, p95)
                print(f"{name:32} p50 {statistics.median(times):6.1f} ms   p95 {p95:6.1f} ms")
        app.engine.dispose()
    print(f"worst p95 {worst:.1f} ms (limit {args.max_p95_ms:.0f} ms)")
    return 0 if worst <= args.max_p95_ms else 1


if __name__ == "__main__":
    sys.exit(main())
