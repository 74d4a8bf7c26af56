"""Timer lateness: how late durable timers fire with many pending and several runners.

10,000 timers (10 per incident over 1,000 incidents, keyed like warroom's, ``incident:<n>:...``)
are written to a fresh, migrated database, due at instants spread uniformly over ``--spread``
seconds starting ``--lead`` seconds after they are written. Then ``--runners`` ``TimerRunner``
instances, one per process as replicas would be (``--in-process``: threads of this process,
sharing one interpreter lock), each with its own engine and owner and production settings
(sweep every 5 s, batch 20, lease 60 s), fire them. Each handler does what a real side effect's
bookkeeping does, one outbox write (``record_effect_once``) in its own transaction, plus
``--handler-ms`` of simulated I/O.

Lateness is the runner's own figure (``Observation.lateness_seconds``: handler start minus
``due_at``): the wake-up planning, the claim round trips, and the wait behind earlier handlers
of the same batch. The run also checks that every timer fired exactly once (handler calls and
outbox rows).

The database is SQLite in a temporary folder unless ``--database-url`` names a PostgreSQL server:
then a fresh database is created on it (``warroom_bench_<pid>_<random>``) and dropped afterwards;
the database named in the URL is only used to connect. Everything is local; the run is bounded
by ``--lead`` + ``--spread`` + ``--timeout`` seconds.

    python -m bench.timers
    python -m bench.timers --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    python -m bench.timers --timers 2000 --incidents 200 --runners 1 --spread 20
"""

from __future__ import annotations

import argparse
import logging
import math
import multiprocessing
import os
import queue
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.kernel.storage.db import make_engine, make_session_factory
from bot.kernel.storage.migrate import upgrade_to_head
from bot.kernel.storage.scratch import scratch_database
from bot.kernel.timers import Done, Observation, TimerRunner
from bot.kernel.timers import store as timers
from bot.kernel.timers.rows import Effect, Timer
from bot.kernel.timers.store import ClaimedTimer

KIND = "bench"
MAX_TIMERS = 200_000
INSERT_CHUNK = 1_000


@dataclass(frozen=True)
class Options:
    timers: int
    incidents: int
    runners: int
    spread: float
    lead: float
    sweep: float
    batch: int
    lease: float
    handler_ms: float
    timeout: float
    database_url: str | None
    seed: int
    processes: bool


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (NaN for no values)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """A fresh, empty database: a temporary SQLite file, or a new one on ``url``'s server."""
    if url is None or url.startswith("sqlite"):
        with tempfile.TemporaryDirectory(prefix="warroom-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'timers.db'}"
        return
    with scratch_database(url, "warroom_bench") as scratch:
        yield scratch


@dataclass
class RunnerResult:
    """What one runner reports: each firing's (key, lateness s, outcome), and its handler calls."""

    name: str
    observations: list[tuple[str, float, str]]
    fired: Counter[str]


class Recorder:
    """One runner's observations and handler calls (the runner's threads call it)."""

    def __init__(self, name: str) -> None:
        self._lock = threading.Lock()
        self.result = RunnerResult(name, [], Counter())

    def observe(self, observation: Observation) -> None:
        with self._lock:
            self.result.observations.append(
                (observation.key, observation.lateness_seconds, observation.outcome)
            )

    def fire(self, key: str) -> None:
        with self._lock:
            self.result.fired[key] += 1


class Handler:
    """The timers' handler: one outbox write in its own transaction, then simulated I/O."""

    def __init__(self, sessions: sessionmaker[Session], recorder: Recorder, io_ms: float) -> None:
        self._sessions = sessions
        self._recorder = recorder
        self._io_seconds = io_ms / 1000

    def __call__(self, timer: ClaimedTimer) -> Done:
        with self._sessions.begin() as session:
            timers.record_effect_once(session, f"{timer.key}:fired", None, datetime.now(UTC))
        if self._io_seconds > 0:
            time.sleep(self._io_seconds)
        self._recorder.fire(timer.key)
        return Done()


def run_runner(url: str, options: Options, index: int, stop: Any, results: Any) -> None:
    """One replica's runner until ``stop`` is set; its result goes to ``results``.

    The target of a child process (``--processes``, the default) or of a thread.
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    name = f"runner-{index}"
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    recorder = Recorder(name)
    runner = TimerRunner(
        sessions,
        {KIND: Handler(sessions, recorder, options.handler_ms)},
        owner=f"bench-{name}-{os.getpid()}-{uuid.uuid4().hex[:6]}",
        lease_seconds=options.lease,
        batch=options.batch,
        sweep_seconds=options.sweep,
        observe=recorder.observe,
    )
    runner.start()
    stop.wait()
    runner.shutdown(wait=True)
    engine.dispose()
    results.put(recorder.result)


def write_timers(url: str, options: Options) -> tuple[datetime, float]:
    """Insert the pending timers; returns the first due instant and how long the insert took."""
    rng = random.Random(options.seed)
    engine = make_engine(url)
    started = time.perf_counter()
    now = datetime.now(UTC)
    first_due = now + timedelta(seconds=options.lead)
    rows = []
    for i in range(options.timers):
        incident = i % options.incidents + 1
        due = first_due + timedelta(seconds=rng.uniform(0, options.spread))
        rows.append(
            {
                "key": f"incident:{incident}:bench:{i // options.incidents}",
                "kind": KIND,
                "payload": {"incident": incident},
                "due_at": due,
                "status": timers.PENDING,
                "attempts": 0,
                "created_at": now,
                "updated_at": now,
            }
        )
    with engine.begin() as connection:
        for start in range(0, len(rows), INSERT_CHUNK):
            connection.execute(insert(Timer), rows[start : start + INSERT_CHUNK])
    engine.dispose()
    return first_due, time.perf_counter() - started


def run(options: Options) -> int:
    with database(options.database_url) as url:
        engine = make_engine(url)
        upgrade_to_head(engine)
        first_due, insert_seconds = write_timers(url, options)
        if datetime.now(UTC) > first_due:
            print(f"warning: writing the timers took {insert_seconds:.1f} s, past --lead")
        if options.processes:
            context = multiprocessing.get_context("spawn")
            stop: Any = context.Event()
            results: Any = context.Queue()
            workers: list[Any] = [
                context.Process(target=run_runner, args=(url, options, i, stop, results))
                for i in range(options.runners)
            ]
        else:
            stop, results = threading.Event(), queue.Queue()
            workers = [
                threading.Thread(target=run_runner, args=(url, options, i, stop, results))
                for i in range(options.runners)
            ]
        started = time.monotonic()
        for worker in workers:
            worker.start()
        allowed = (first_due - datetime.now(UTC)).total_seconds() + options.spread
        finished = wait_until_done(engine, options.timers, max(allowed, 0) + options.timeout)
        elapsed = time.monotonic() - started
        stop.set()
        collected = [results.get(timeout=60) for _ in workers]
        for worker in workers:
            worker.join(timeout=30)
        with engine.connect() as connection:
            outbox = connection.execute(select(func.count()).select_from(Effect)).scalar_one()
        engine.dispose()
        return report(options, url, collected, finished, elapsed, insert_seconds, outbox)


def wait_until_done(engine: Engine, count: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    query = select(func.count()).select_from(Timer).where(Timer.status == "done")
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            if connection.execute(query).scalar_one() >= count:
                return True
        time.sleep(0.5)
    return False


def report(
    options: Options,
    url: str,
    results: list[RunnerResult],
    finished: bool,
    elapsed: float,
    insert_seconds: float,
    outbox: int,
) -> int:
    observations = [o for r in results for o in r.observations]
    lateness_ms = [late * 1000 for _, late, outcome in observations if outcome == "done"]
    outcomes = Counter(outcome for _, _, outcome in observations)
    fired: Counter[str] = Counter()
    for result in results:
        fired.update(result.fired)
    doubled = sum(1 for n in fired.values() if n > 1)
    backend = make_url(url).get_backend_name()
    where = "processes" if options.processes else "threads of one process"
    print(
        f"timers: {options.timers} pending over {options.incidents} incidents, due over "
        f"{options.spread:g} s; {options.runners} runners ({where}; sweep {options.sweep:g} s, "
        f"batch {options.batch}, lease {options.lease:g} s) on {backend}; handler: one outbox "
        "write" + (f" + {options.handler_ms:g} ms" if options.handler_ms else "")
    )
    print(
        f"written in {insert_seconds:.2f} s; all fired {elapsed:.1f} s after the runners "
        f"started (the last was due after {options.lead + options.spread:.0f} s)"
    )
    print()
    print(f"{'lateness ms':<12} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8} {'n':>7}")
    print(
        f"{'fire - due':<12} {percentile(lateness_ms, 50):8.1f} {percentile(lateness_ms, 90):8.1f} "
        f"{percentile(lateness_ms, 99):8.1f} {max(lateness_ms, default=math.nan):8.1f} "
        f"{len(lateness_ms):7d}"
    )
    print()
    shares = ", ".join(f"{r.name} {sum(r.fired.values())}" for r in sorted(results, key=_name))
    print(f"fired by: {shares}")
    print(f"outcomes: {dict(outcomes)}")
    print(
        f"exactly once: {len(fired)} of {options.timers} timers fired, {doubled} more than "
        f"once; {outbox} outbox rows"
    )
    ok = finished and len(fired) == options.timers and doubled == 0 and outbox == options.timers
    if not ok:
        print("FAILED: not every timer fired exactly once before the timeout", file=sys.stderr)
    return 0 if ok else 1


def _name(result: RunnerResult) -> str:
    return result.name


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.timers",
        description="Durable timer lateness with many pending timers and several runners.",
    )
    parser.add_argument("--timers", type=int, default=10_000, help="pending timers (10000)")
    parser.add_argument("--incidents", type=int, default=1_000, help="incidents (1000)")
    parser.add_argument("--runners", type=int, default=3, help="TimerRunner instances (3)")
    parser.add_argument(
        "--spread", type=float, default=45.0, help="due times spread over this many s (45)"
    )
    parser.add_argument(
        "--lead", type=float, default=10.0, help="s from writing to the first due time (10)"
    )
    parser.add_argument("--sweep", type=float, default=5.0, help="sweep interval, s (5)")
    parser.add_argument("--batch", type=int, default=20, help="claim batch size (20)")
    parser.add_argument("--lease", type=float, default=60.0, help="lease, s (60)")
    parser.add_argument(
        "--handler-ms", type=float, default=0.0, help="simulated I/O per handler, ms (0)"
    )
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="s allowed after the last due time (120)"
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to create a scratch database on (default: SQLite in a temp dir)",
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run the runners as threads of this process (default: one process each)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the due times")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not 0 < args.timers <= MAX_TIMERS or not 0 < args.incidents <= args.timers:
        print(f"--timers must be 1..{MAX_TIMERS} and --incidents 1..--timers", file=sys.stderr)
        return 2
    if args.runners < 1 or args.spread < 0 or args.lead < 0:
        print("--runners must be >= 1, --spread and --lead >= 0", file=sys.stderr)
        return 2
    options = Options(
        timers=args.timers,
        incidents=args.incidents,
        runners=args.runners,
        spread=args.spread,
        lead=args.lead,
        sweep=args.sweep,
        batch=args.batch,
        lease=args.lease,
        handler_ms=args.handler_ms,
        timeout=args.timeout,
        database_url=args.database_url,
        seed=args.seed,
        processes=not args.in_process,
    )
    return run(options)


if __name__ == "__main__":
    sys.exit(main())
