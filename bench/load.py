"""Sending signed requests to an app's ``/slack/events``, closed loop or open loop, and timing them.

* Closed loop (:func:`closed_loop`): ``concurrency`` requests in flight; each sender posts its next
  request when the previous one is answered. The latency is from sending to the answer. This is
  how a benchmark finds the cost under load, but a slow answer also delays the requests behind
  it, so it understates the tail a steady stream of users sees.
* Open loop (:func:`open_loop`): request ``i`` is due at ``start + i / rate`` whatever happened
  before, as users type independently of each other; its latency is from when it was *due* (not
  when it could be sent) to the answer, so a stall counts against every request it delays (no
  coordinated omission).

Each body is signed when it is sent (``warroom_sandbox.signed_headers``), as Slack signs at
delivery, and posted over keep-alive connections by the lean client in ``bench.http1``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bench.http1 import Client, HttpError
from bench.slack_process import Request
from warroom_sandbox.signing import signed_headers

SLACK_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
TIMEOUT_SECONDS = 30.0  # far beyond Slack's 3 s, so a late ack is measured, not cut off


@dataclass
class Sample:
    """One request: when it was due (wall clock), how long its answer took, or what failed."""

    due_wall: float  # time.time() when it was sent (closed loop) or due (open loop)
    index: int = 0  # the request's number (a declare's title carries it)
    latency_ms: float | None = None
    error: str | None = None
    response_token: str = ""


class Clock:
    """``perf_counter`` for intervals, mapped onto the wall clock that the fake Slack stamps its
    calls with (same machine, so comparable to well under a millisecond)."""

    def __init__(self) -> None:
        self._perf, self._wall = time.perf_counter(), time.time()

    def wall(self, perf: float) -> float:
        return self._wall + (perf - self._perf)


async def _post(client: Client, secret: str, request: Request, due: float, sample: Sample) -> None:
    headers = {
        "Content-Type": request.content_type,
        "User-Agent": SLACK_USER_AGENT,
        **signed_headers(secret, request.body),
    }
    try:
        status, answer = await client.post(request.body, headers)
    except (HttpError, TimeoutError) as error:
        sample.error = f"{type(error).__name__}: {error}"
        return
    if status == 200:
        sample.latency_ms = (time.perf_counter() - due) * 1000
    else:
        sample.error = f"HTTP {status}: {answer[:200]!r}"


async def closed_loop(
    url: str, secret: str, requests: Sequence[Request], concurrency: int
) -> tuple[list[Sample], float]:
    """Every request, ``concurrency`` in flight; the samples and the wall time it took."""
    clock = Clock()
    samples = [Sample(0.0, r.index, response_token=r.response_token) for r in requests]
    pending = iter(range(len(requests)))
    client = Client(url, TIMEOUT_SECONDS)

    async def sender() -> None:
        for index in pending:  # one shared iterator: each request goes to one sender
            sent = time.perf_counter()
            samples[index].due_wall = clock.wall(sent)
            await _post(client, secret, requests[index], sent, samples[index])

    started = time.perf_counter()
    try:
        await asyncio.gather(*(sender() for _ in range(concurrency)))
    finally:
        client.close()
    return samples, time.perf_counter() - started


async def open_loop(
    url: str, secret: str, requests: Sequence[Request], rate: float
) -> tuple[list[Sample], float]:
    """Request ``i`` due at ``i / rate`` s after the start; the samples and the wall time."""
    clock = Clock()
    samples = [Sample(0.0, r.index, response_token=r.response_token) for r in requests]
    client = Client(url, TIMEOUT_SECONDS)  # a new connection whenever all are busy
    start = time.perf_counter() + 0.05

    async def one(index: int) -> None:
        due = start + index / rate
        samples[index].due_wall = clock.wall(due)
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        await _post(client, secret, requests[index], due, samples[index])

    try:
        await asyncio.gather(*(one(i) for i in range(len(requests))))
    finally:
        client.close()
    return samples, time.perf_counter() - start
