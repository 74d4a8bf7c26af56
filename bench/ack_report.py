"""What ``bench.ack_latency`` prints: the ack table, declare to a ready channel, Slack calls.

Kept apart from the run so the figures are computed from plain values (samples and the fake's
call log) in one place.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bench.load import Sample
from bench.slack_process import Call
from bench.timers import percentile
from warroom_sandbox.seed import ONCALL

SLACK_ACK_DEADLINE_MS = 3000.0
DECLARED = re.compile(r"-bench-declare-(\d+)$")  # the channel of "Bench declare <index>"
READY_STEPS = ("created", "invited", "pinned", "topic", "answered")


@dataclass
class Result:
    """The acks of one app in one scenario and loop, over all its rounds."""

    samples: list[Sample] = field(default_factory=list)
    wall_seconds: float = 0.0
    cpu_seconds: float = math.nan  # the app process's, from each round's start to its work done

    @property
    def latencies(self) -> list[float]:
        return [s.latency_ms for s in self.samples if s.latency_ms is not None]

    @property
    def errors(self) -> list[str]:
        return [s.error for s in self.samples if s.error is not None]

    @property
    def late(self) -> int:
        """Answers Slack would not have waited for: 3 s or later, or none within the timeout."""
        slow = sum(1 for ms in self.latencies if ms >= SLACK_ACK_DEADLINE_MS)
        return slow + sum(1 for e in self.errors if "Timeout" in e)

    @property
    def rate(self) -> float:
        return len(self.samples) / self.wall_seconds if self.wall_seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        """CPU time of the app's process per request, the work after the ack included."""
        return self.cpu_seconds * 1000 / len(self.samples) if self.samples else math.nan

    def p(self, q: float) -> float:
        return percentile(self.latencies, q)


def ready_latencies(samples: Iterable[Sample], calls: Sequence[Call]) -> tuple[list[float], int]:
    """Per acked declare, ms from when it was due to its channel being ready, and how many never
    got there: channel created, declarer invited, card pinned, topic set, declarer answered (the
    last of those calls as the fake answered it)."""
    acked = {s.index: s for s in samples if s.latency_ms is not None}
    steps: dict[str, dict[str, float]] = {}  # channel -> step -> first time
    channel_of: dict[int, str] = {}
    for call in calls:
        if not call.ok:
            continue
        if call.method == "conversations.create" and (found := DECLARED.search(call.name)):
            channel_of[int(found.group(1))] = call.created
            steps.setdefault(call.created, {}).setdefault("created", call.at)
        elif call.method == "conversations.invite" and ONCALL in call.users.split(","):
            steps.setdefault(call.channel, {}).setdefault("invited", call.at)
        elif call.method == "pins.add":
            steps.setdefault(call.channel, {}).setdefault("pinned", call.at)
        elif call.method == "conversations.setTopic":
            steps.setdefault(call.channel, {}).setdefault("topic", call.at)
    answered = _posted(calls)
    latencies: list[float] = []
    for index, sample in acked.items():
        done = dict(steps.get(channel_of.get(index, ""), {}))
        if sample.response_token in answered:
            done["answered"] = answered[sample.response_token]
        if all(step in done for step in READY_STEPS):
            latencies.append((max(done.values()) - sample.due_wall) * 1000)
    return latencies, len(acked) - len(latencies)


def answer_latencies(samples: Iterable[Sample], calls: Sequence[Call]) -> list[float]:
    """Per acked request, ms from when it was due to the person seeing its answer: its
    ``response_url`` post when it got one (as the fake answered it), else the ack itself."""
    posted = _posted(calls)
    return [
        (posted[s.response_token] - s.due_wall) * 1000
        if s.response_token in posted
        else s.latency_ms
        for s in samples
        if s.latency_ms is not None
    ]


def _posted(calls: Sequence[Call]) -> dict[str, float]:
    """When each response_url (by its token) was first posted to, as the fake answered it."""
    posted: dict[str, float] = {}
    for call in calls:
        if call.ok and call.method == "response_url":
            posted.setdefault(call.token, call.at)
    return posted


def calls_per_request(calls: Sequence[Call], requests: int) -> tuple[float, list[str], list[str]]:
    """Slack calls (Web API and response_url) per request, the busiest methods, failed calls."""
    if not requests:
        return math.nan, [], []
    by_method = Counter(call.method for call in calls)
    methods = [f"{m} {n / requests:.2f}" for m, n in by_method.most_common()]
    failed = Counter(f"{c.method}: {c.error}" for c in calls if not c.ok)
    return len(calls) / requests, methods, [f"{what} x{n}" for what, n in failed.most_common(5)]


def log_summary(log: str, keep: int = 4) -> list[str]:
    """What an app's log says went wrong: how many ERROR and WARNING lines and tracebacks, then
    the most frequent of those messages and raised exceptions (numbers blanked out to group)."""
    lines = log.splitlines()
    flagged = [line for line in lines if " ERROR " in line or " WARNING " in line]
    errors = sum(1 for line in flagged if " ERROR " in line)
    tracebacks = [i for i, line in enumerate(lines) if line.startswith("Traceback")]
    # A traceback ends at its first unindented line after the header: the exception itself.
    raised = [
        next((line for line in lines[i + 1 :] if line and not line[0].isspace()), "?")
        for i in tracebacks
    ]
    messages = [line.split(" ", 2)[-1] for line in flagged] + raised  # without date and time
    if not messages:
        return []
    grouped = Counter(re.sub(r"\d+", "#", message)[:160] for message in messages)
    summary = [
        f"{errors} ERROR lines, {len(flagged) - errors} WARNING lines, {len(tracebacks)} tracebacks"
    ]
    summary += [f"x{n} {what}" for what, n in grouped.most_common(keep)]
    return summary


def _ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1f}"


def _ratio(ours: float, floor: float) -> str:
    if math.isnan(ours) or math.isnan(floor) or floor == 0:
        return "-"
    return f"x{ours / floor:.2f}"


HEADER = (
    f"{'scenario':<8} {'loop':<6} {'app':<8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
    f"{'req/s':>7} {'cpu ms':>7} {'n':>5} {'errors':>6} {'>=3s':>5}"
)


def ack_rows(scenario: str, loop: str, floor: Result, ours: Result) -> list[str]:
    rows = []
    for name, result in (("floor", floor), ("warroom", ours)):
        rows.append(
            f"{scenario:<8} {loop:<6} {name:<8} {_ms(result.p(50)):>8} {_ms(result.p(99)):>8} "
            f"{_ms(result.p(100)):>8} {result.rate:>7.1f} {_ms(result.cpu_ms):>7} "
            f"{len(result.samples):>5} "
            f"{len(result.errors):>6} {result.late:>5}"
        )
    rows.append(
        f"{scenario:<8} {loop:<6} {'ratio':<8} {_ratio(ours.p(50), floor.p(50)):>8} "
        f"{_ratio(ours.p(99), floor.p(99)):>8} {_ratio(ours.p(100), floor.p(100)):>8} "
        f"{_ratio(ours.rate, floor.rate):>7} {_ratio(ours.cpu_ms, floor.cpu_ms):>7}"
    )
    return rows


def ready_row(loop: str, latencies: list[float], missing: int | None = None) -> str:
    row = (
        f"  {loop:<6} p50 {_ms(percentile(latencies, 50))} ms, p99 "
        f"{_ms(percentile(latencies, 99))} ms, max {_ms(percentile(latencies, 100))} ms"
    )
    return row if missing is None else f"{row}; {len(latencies)} ready, {missing} not ready"
