"""Drafting a post-mortem for an incident with 10,000 timeline events.

One resolved incident is written to a fresh, migrated database with ``--events`` timeline
events in the mix a long incident produces (notes and pinned messages with mentions, links and
``|``, status updates, pages, escalations and acks, playbook steps and undos, alerts firing and
resolving) and 50 action items. Each run then drafts it as the bot does, timing each stage:

- **read**: the incident row, its timeline and its action items from the database;
- **build**: ``build_inputs`` (clocks, responders, paging, playbooks, alerts, timeline rows);
- **render**: the shipped ``default`` template (Jinja2);
- **check**: the blameless check of the rendered Markdown with the shipped rules.

Wall-clock percentiles per stage and in total, plus the process's CPU time (``cpu p50``), which
a machine shared with other work inflates less than wall time.

The database is SQLite in a temporary folder unless ``--database-url`` names a PostgreSQL
server: then a scratch database is created on it and dropped afterwards.

    python -m bench.postmortem
    python -m bench.postmortem --events 1000 --runs 20
    python -m bench.postmortem --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import math
import random
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from bot.incidents.rows import ActionItemRow, IncidentRow, TimelineEventRow
from bot.kernel.storage.db import make_engine, make_session_factory
from bot.kernel.storage.migrate import upgrade_to_head
from bot.kernel.storage.scratch import scratch_database
from bot.postmortems.config import PostmortemConfig
from bot.postmortems.domain.blameless import check
from bot.postmortems.domain.inputs import build_inputs
from bot.postmortems.drafting import DraftingSetup, read_record
from bot.postmortems.templates import Templates

SHIPPED = Path(__file__).parents[1] / "postmortems"
START = datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
PEOPLE = [f"U0PERSON{i:02d}" for i in range(20)]
NAMES = {ref: f"Person {i}" for i, ref in enumerate(PEOPLE)}
STAGES = ("read", "build", "render", "check")
T = TypeVar("T")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    with _database(args.database_url) as url:
        engine = make_engine(url)
        upgrade_to_head(engine)
        sessions = make_session_factory(engine)
        _record(sessions, args.events, random.Random(args.seed))
        timings = [_draft_once(sessions) for _ in range(args.warmup + args.runs)][args.warmup :]
        engine.dispose()
    _report(url, args, timings)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.postmortem", description=__doc__)
    parser.add_argument("--events", type=int, default=10_000, help="timeline events (10,000)")
    parser.add_argument("--runs", type=int, default=10, help="measured drafts (10)")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured drafts first (1)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--database-url", help="a PostgreSQL server (default: SQLite in a temp dir)"
    )
    return parser


@contextmanager
def _database(server_url: str | None) -> Iterator[str]:
    if server_url:
        with scratch_database(server_url, "warroom_bench_postmortem") as url:
            yield url
        return
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{folder}/bench.db"


_SETUP = DraftingSetup.load(SHIPPED)
_CONFIG = PostmortemConfig(time_zone=ZoneInfo("Europe/Berlin"))
_TEMPLATES = Templates.for_config(_CONFIG, SHIPPED)


def _draft_once(sessions: sessionmaker[Session]) -> dict[str, float]:
    timings: dict[str, float] = {}

    def timed(stage: str, work: Callable[[], T]) -> T:
        began, cpu = time.perf_counter(), time.process_time()
        result = work()
        timings[stage] = time.perf_counter() - began
        timings[f"{stage}_cpu"] = time.process_time() - cpu
        return result

    with sessions() as session:
        record = timed("read", lambda: read_record(session, 1))
    inputs = timed(
        "build",
        lambda: build_inputs(
            record.incident, record.timeline, record.action_items, _CONFIG.time_zone, NAMES
        ),
    )
    markdown = timed("render", lambda: _TEMPLATES.render("default", inputs))
    findings = timed("check", lambda: check(markdown, _SETUP.rules, inputs.people))
    timings["total"] = sum(timings[stage] for stage in STAGES)
    timings["total_cpu"] = sum(timings[f"{stage}_cpu"] for stage in STAGES)
    timings["_bytes"] = len(markdown)
    timings["_findings"] = len(findings)
    return timings


def _record(sessions: sessionmaker[Session], count: int, rng: random.Random) -> None:
    """One resolved SEV1 incident with ``count`` events spread over six hours."""
    step = timedelta(hours=6) / max(count, 1)
    with sessions.begin() as session:
        session.add(
            IncidentRow(
                id=1,
                title="Checkout errors after deploy",
                description="Payments fail with HTTP 500 | card only",
                severity="SEV1",
                status="resolved",
                service="checkout",
                declarer_id=PEOPLE[0],
                lead_id=PEOPLE[1],
                channel_name="inc-1-checkout-errors-after-deploy",
                detected_at=START,
                declared_at=START + timedelta(minutes=3),
                acknowledged_at=START + timedelta(minutes=6),
                mitigated_at=START + timedelta(hours=5),
                resolved_at=START + timedelta(hours=6),
                roles={"comms": PEOPLE[2], "scribe": PEOPLE[3]},
            )
        )
        session.flush()
        rows = [_event(i, START + i * step, rng) for i in range(count)]
        for chunk in range(0, len(rows), 1000):
            session.execute(insert(TimelineEventRow), rows[chunk : chunk + 1000])
        session.execute(
            insert(ActionItemRow),
            [
                {
                    "incident_id": 1,
                    "text": f"Follow-up {i}: add a guard to the deploy pipeline",
                    "owner_id": rng.choice(PEOPLE),
                    "created_by": PEOPLE[1],
                    "created_at": START + timedelta(hours=6, minutes=i),
                    "done_at": START + timedelta(days=2) if i % 3 == 0 else None,
                }
                for i in range(50)
            ],
        )


def _event(i: int, at: datetime, rng: random.Random) -> dict[str, Any]:
    who = rng.choice(PEOPLE)
    other = rng.choice(PEOPLE)
    run = {"run": i // 40, "playbook": "restart", "step": f"s{i % 40}"}
    alert = {
        "source": "alertmanager",
        "name": f"CheckoutErrorRate{i % 7}",
        "labels": {"service": "checkout", "pod": f"checkout-{i % 13}"},
        "summary": "5xx above 2%",
        "starts_at": at.isoformat(),
        "fingerprint": f"fp-{i // 2}",
        "generator_url": "https://prometheus.example/graph?g0.expr=checkout_5xx",
    }
    kind, data = rng.choice(
        [
            (
                "note_added",
                {"text": f"Latency p99 at {i} ms on <@{other}>'s dashboard | see graph"},
            ),
            ("note_added", {"text": f"Queue depth {i}; <https://grafana.example/d/{i}|panel {i}>"}),
            (
                "message_added",
                {"text": f"Restarted checkout-{i % 13}", "author": other, "ts": f"{i}.0001"},
            ),
            ("update_posted", {"text": f"Still investigating; error rate {i % 9}%."}),
            ("notified", {"users": [other], "level": i % 3, "loop": 0}),
            ("acknowledged", {}),
            (
                "playbook_step",
                {
                    **run,
                    "title": f"Step {i % 40}",
                    "outcome": "succeeded",
                    "summary": "Deployment checkout: 4 -> 8 replicas",
                    "undo": {"summary": "scale back to 4"},
                },
            ),
            (
                "playbook_undone",
                {
                    **run,
                    "title": f"Step {i % 40}",
                    "outcome": "succeeded",
                    "summary": "Deployment checkout: 8 -> 4 replicas",
                },
            ),
            ("alert_firing" if i % 2 == 0 else "alert_resolved", alert),
        ]
    )
    return {
        "incident_id": 1,
        "at": at,
        "recorded_at": at,
        "actor": "warroom" if kind.startswith(("alert", "notified")) else who,
        "kind": kind,
        "data": data,
        "dedup_key": None,
    }


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _report(url: str, args: argparse.Namespace, timings: list[dict[str, float]]) -> None:
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    last = timings[-1]
    print(
        f"post-mortem draft: {args.events:,} events, {database}, {len(timings)} runs; "
        f"{int(last['_bytes']):,} bytes of Markdown, {int(last['_findings'])} findings"
    )
    print(f"{'stage':<8}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}{'cpu p50':>10}")
    for stage in (*STAGES, "total"):
        values = [t[stage] * 1000 for t in timings]
        cpu = [t[f"{stage}_cpu"] * 1000 for t in timings]
        print(
            f"{stage:<8}{_percentile(values, 0.5):>10.1f}{_percentile(values, 0.99):>10.1f}"
            f"{max(values):>10.1f}{_percentile(cpu, 0.5):>10.1f}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
