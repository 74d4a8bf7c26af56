"""Memory and idle cost of ``warroom serve`` holding many incidents.

``warroom serve --workers 1`` on a fresh database (SQLite in a temporary folder, or a scratch
database on the PostgreSQL server named by ``--database-url``) and the fake Slack in its own
process, as in ``bench.ack_latency``. It declares ``-n`` incidents as signed slash commands (10
in flight), waits until every channel is set up, then, with nothing left to do, measures:

- **RSS**: ``VmRSS`` of the server process, after the declares and again after the idle period;
- **idle CPU**: the process's CPU time (all threads) over ``--idle`` seconds of doing nothing
  (its timer runner and the readiness of its pools are all that run), as a share of one core.

The command exits 1 unless RSS stays under ``--max-rss-mb`` (150) and idle CPU under 1%.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from bench.ack_latency import Bench, Options, cpu_seconds, serve_env
from bench.load import closed_loop
from bench.paging import SIGNING_SECRET, Server
from bench.slack_process import FakeSlack
from bench.timers import database


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(count: int, idle: float, max_rss_mb: float, database_url: str | None) -> int:
    options = Options(
        count, 10, 20.0, 1, 0, ("declare",), ("closed",), 0.0, database_url, 300.0, False
    )
    with ExitStack() as stack:
        url = stack.enter_context(database(database_url))
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="warroom-mem-")))
        (workdir / "config").mkdir()
        slack = stack.enter_context(FakeSlack())
        server = Server(serve_env(url, slack.api_url, workdir / "config"), workdir, workdir / "log")
        stack.callback(server.stop)
        server.wait_ready()
        pid = server.process.pid
        started_rss = rss_mb(pid)
        bench = Bench(options, slack, {"warroom": (f"{server.url}/slack/events", pid)}, url)
        stack.callback(bench.engine.dispose)
        declared = time.monotonic()
        for first in range(0, count, 500):  # in batches: the fake builds each batch's requests
            requests = bench.build("declare", min(500, count - first))
            samples, _ = asyncio.run(
                closed_loop(bench.apps["warroom"][0], SIGNING_SECRET, requests, 10)
            )
            failed = [s.error for s in samples if s.error]
            if failed:
                print(f"{len(failed)} declares failed, e.g. {failed[0]}")
                return 1
        bench.settle()
        took = time.monotonic() - declared
        after_rss = rss_mb(pid)
        cpu = cpu_seconds(pid)
        time.sleep(idle)
        idle_share = (cpu_seconds(pid) - cpu) / idle
        idle_rss = rss_mb(pid)
    print(
        f"warroom serve --workers 1 ({url.split(':', 1)[0].split('+', 1)[0]}); {count} incidents "
        f"declared and set up in {took:.0f} s; load average {os.getloadavg()[0]:.2f}"
    )
    print(f"RSS: {started_rss:.0f} MB at start, {after_rss:.0f} MB after, {idle_rss:.0f} MB idle")
    print(f"idle CPU over {idle:g} s: {idle_share * 100:.2f}% of a core")
    return 0 if max(after_rss, idle_rss) < max_rss_mb and idle_share < 0.01 else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.footprint", description=__doc__)
    parser.add_argument("-n", "--incidents", type=int, default=1000, help="declared (1000)")
    parser.add_argument("--idle", type=float, default=30.0, help="s measured idle (30)")
    parser.add_argument("--max-rss-mb", type=float, default=150.0, help="the bound (150)")
    parser.add_argument("--database-url", help="a PostgreSQL server (default: SQLite)")
    args = parser.parse_args(argv)
    return run(args.incidents, args.idle, args.max_rss_mb, args.database_url)


if __name__ == "__main__":
    sys.exit(main())
