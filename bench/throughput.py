"""Throughput at saturation: ``warroom serve --workers 1`` against ``--workers 2``.

Both servers run at once, each with a database of its own (SQLite in a temporary folder, or a
scratch database on the PostgreSQL server named by ``--database-url``) and a fake Slack of its own
(its own process, as in ``bench.ack_latency``): on one database the idle server's timer runner
would take a share of the other's work after the acks (they would be replicas), and both servers'
done/s would measure the pair. Rounds alternate between them, so whatever else the machine does
falls on both. Each round sends ``-n / --rounds`` requests of one scenario (status, clicks and
submissions to ``--incidents`` incidents in turn), ``-c`` in flight (closed loop, enough to keep
every worker busy), then waits until the server has done all the work they left (stored
requests applied, timers fired, Slack quiet).

- **acks/s**: requests over the time to answer them all (what Slack sees);
- **done/s**: requests over the time until the round's last ack or last Slack call was answered
  (a declare's channel, card, pin, topic and answer; an update's post and card refresh);
- **cpu ms**: CPU time of the server's processes (the supervisor and its workers) per request;
- **mach ms**: CPU time of the whole machine per request (the server, the client, the fake
  Slack, the database server and whatever else runs);
- **slack ms** and **client ms**: the fake Slack's process and this one (the client) per
  request: the part of mach ms that is the bench's own;
- **busy %**: how busy the machine's cores were while the work went on (near 100% the machine,
  not the server, is the limit);
- **top %**: the busiest worker's share of the workers' CPU (50% is an even split of 2);
- **the machine's ceiling**: the x2/x1 of done/s with every core busy at one worker's machine
  CPU per request; more workers pass it only by costing the machine less per request.

``python -m bench.throughput --help``; ``bench/README.md`` explains the output.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from bench.ack_latency import (
    SCENARIOS,
    Bench,
    Options,
    children_cpu_seconds,
    cpu_seconds,
    serve_env,
    tree_cpu_seconds,
)
from bench.ack_report import Result
from bench.paging import Server
from bench.slack_process import FakeSlack
from bench.timers import database

WORKERS = (1, 2)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100  # /proc/stat's unit
INCIDENTS = 8  # at saturation, several incidents are open at once
APP = "warroom"  # each Bench drives one server, under the name its staging requests go to


def percentile(values: list[float], p: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class Totals:
    """One server's rounds of one scenario."""

    acks: Result = field(default_factory=lambda: Result(cpu_seconds=0))
    done_seconds: float = 0.0
    machine: list[float] = field(default_factory=lambda: [0.0, 0.0])  # busy, all (jiffies)
    workers: Counter[int] = field(default_factory=Counter)  # CPU seconds by worker pid
    slack_seconds: float = 0.0  # CPU of the fake Slack's process
    client_seconds: float = 0.0  # CPU of this process

    def per_request_ms(self, seconds: float) -> float:
        return seconds * 1000 / max(1, len(self.acks.samples))

    def busy(self) -> float:
        return 100 * self.machine[0] / max(1.0, self.machine[1])

    def machine_ms(self) -> float:
        """The whole machine's CPU (server, client, fake Slack and the rest) per request."""
        return self.per_request_ms(self.machine[0] / CLOCK_TICKS)

    def top(self) -> float:
        if not self.workers:
            return 100.0  # one worker: the server's own process
        return 100 * max(self.workers.values()) / max(1e-9, self.workers.total())


def machine_jiffies() -> tuple[float, float]:
    """Busy and total CPU time of the whole machine so far (``/proc/stat``); NaN off Linux."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return math.nan, math.nan
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields) - idle, sum(fields)


def measure(benches: dict[int, Bench], scenario: str, options: Options) -> dict[int, Totals]:
    """Per worker count: the acks, the time until the work was done, where the CPU went."""
    for bench in benches.values():
        if options.warmup:
            bench.send(APP, "closed", bench.build(scenario, options.warmup))
            bench.settle()
    totals = {w: Totals() for w in WORKERS}
    size = max(1, options.requests // options.rounds)
    for _ in range(options.rounds):
        for workers, bench in benches.items():
            pid, total = bench.apps[APP][1], totals[workers]
            requests = bench.build(scenario, size)
            slack_pid = bench.slack.process.pid or 0
            cpu, machine, by_worker = (
                tree_cpu_seconds(pid),
                machine_jiffies(),
                children_cpu_seconds(pid),
            )
            slack_cpu, client_cpu = cpu_seconds(slack_pid), time.process_time()
            started, wall = time.monotonic(), time.time()
            result = bench.send(APP, "closed", requests)
            bench.settle()
            elapsed = time.monotonic() - started
            # Done when the last ack or the last Slack call of the round was answered, not when
            # settle saw it (it polls, then waits for a quiet moment: a fixed 0.3 s or so per
            # round that would count as work and pull the two servers' rates together).
            done = max(result.wall_seconds, bench.slack.last_call_at() - wall)
            total.done_seconds += done
            total.acks.samples += result.samples
            total.acks.wall_seconds += result.wall_seconds
            total.acks.cpu_seconds += tree_cpu_seconds(pid) - cpu
            total.slack_seconds += cpu_seconds(slack_pid) - slack_cpu
            total.client_seconds += time.process_time() - client_cpu
            busy, everything = (a - b for a, b in zip(machine_jiffies(), machine, strict=True))
            total.machine[0] += busy
            total.machine[1] += everything * done / elapsed  # the cores' time while working
            total.workers.update(children_cpu_seconds(pid))
            total.workers.subtract(by_worker)
    return totals


def report_rows(scenario: str, totals: dict[int, Totals]) -> list[str]:
    rows, rates, machine_ms = [], {}, {}
    for workers, total in totals.items():
        result = total.acks
        latencies = [s.latency_ms for s in result.samples if s.latency_ms is not None]
        n = len(result.samples)
        acks, finished = n / result.wall_seconds, n / total.done_seconds
        rates[workers], machine_ms[workers] = (acks, finished), total.machine_ms()
        rows.append(
            f"{scenario:<8} {workers:>7} {acks:>8.1f} {finished:>8.1f} "
            f"{percentile(latencies, 50):>8.1f} {percentile(latencies, 99):>8.1f} "
            f"{total.per_request_ms(result.cpu_seconds):>7.1f} {total.machine_ms():>7.1f} "
            f"{total.per_request_ms(total.slack_seconds):>8.1f} "
            f"{total.per_request_ms(total.client_seconds):>9.1f} {total.busy():>6.0f} "
            f"{total.top():>5.0f} {len(result.errors):>6}"
        )
    (a1, d1), (a2, d2) = rates[1], rates[2]
    # Every core busy at one worker's machine CPU per request.
    ceiling = (os.cpu_count() or 1) * 1000 / machine_ms[1] / d1
    rows.append(
        f"{scenario:<8} {'x2/x1':>7} {a2 / a1:>7.2f}x {d2 / d1:>7.2f}x"
        f"   (the machine's ceiling for done/s: x{ceiling:.2f})"
    )
    return rows


def run(options: Options) -> int:
    load, started = os.getloadavg(), time.monotonic()
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="warroom-tput-")))
        benches = {}
        for workers in WORKERS:
            url = stack.enter_context(database(options.database_url))
            slack = stack.enter_context(FakeSlack(options.slack_latency_ms))
            (workdir / f"config-{workers}").mkdir()
            env = serve_env(url, slack.api_url, workdir / f"config-{workers}")
            server = Server(env, workdir, workdir / f"serve-{workers}.log", workers=workers)
            stack.callback(server.stop)
            server.wait_ready()
            app = (f"{server.url}/slack/events", server.process.pid)
            bench = Bench(options, slack, {APP: app}, url)
            stack.callback(bench.engine.dispose)
            bench.stage()
            benches[workers] = bench
        results = {}
        for scenario in options.scenarios:
            print(f"{scenario}...", file=sys.stderr, flush=True)
            results[scenario] = measure(benches, scenario, options)
    backend = url.split(":", 1)[0].split("+", 1)[0]
    print(
        f"warroom serve --workers 1 vs --workers 2 ({backend}), each with its own database and "
        f"fake Slack process; 127.0.0.1, {os.cpu_count()} cores; {options.requests} requests per "
        f"server and scenario, {options.concurrency} in flight, {options.rounds} alternating "
        f"rounds; load average before {' '.join(f'{x:.2f}' for x in load)}, after "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; took {time.monotonic() - started:.0f} s"
    )
    header = (
        "scenario workers   acks/s   done/s   p50 ms   p99 ms  cpu ms mach ms slack ms "
        "client ms busy %  top % errors"
    )
    print(header)
    print("-" * len(header))
    failed = False
    for scenario, totals in results.items():
        failed = failed or any(total.acks.errors for total in totals.values())
        for row in report_rows(scenario, totals):
            print(row)
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.throughput",
        description="Throughput at saturation of warroom serve with 1 and 2 workers.",
    )
    parser.add_argument("-n", "--requests", type=int, default=600, help="per server (600)")
    parser.add_argument("-c", "--concurrency", type=int, default=32, help="in flight (32)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (3)")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured, per server (20)")
    parser.add_argument("--scenario", choices=[*SCENARIOS, "all"], default="all")
    parser.add_argument(
        "--incidents",
        type=int,
        default=INCIDENTS,
        help=f"status, clicks and submissions go to this many incidents in turn ({INCIDENTS})",
    )
    parser.add_argument("--database-url", help="a PostgreSQL server (default: SQLite)")
    parser.add_argument("--timeout", type=float, default=120.0, help="s without progress (120)")
    args = parser.parse_args(argv)
    if not 1 <= args.rounds <= args.requests:
        parser.error("--rounds must be 1..N")
    if args.incidents < 1:
        parser.error("--incidents must be at least 1")
    options = Options(
        requests=args.requests,
        concurrency=args.concurrency,
        rate=20.0,
        rounds=args.rounds,
        warmup=args.warmup,
        scenarios=SCENARIOS if args.scenario == "all" else (args.scenario,),
        loops=("closed",),
        slack_latency_ms=0.0,
        database_url=args.database_url,
        timeout=args.timeout,
        verbose=False,
        incidents=args.incidents,
    )
    return run(options)


if __name__ == "__main__":
    sys.exit(main())
