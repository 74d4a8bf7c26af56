"""An alert storm in Alertmanager's webhook shape: the config, the plan, and a steady sender.

:func:`write_config` writes a config folder with services ``storm-00`` .. (Olivia on call for
all of them) and a route that opens an incident for every critical alert.

:func:`plan` builds the storm of ``services x alertnames x instances`` alerts (each firing, with
its own fingerprint), grouped as Alertmanager groups them with ``group_by: [alertname,
service]``, and cut into the notifications Alertmanager would send as a storm builds up:

* most carry 10-40 new alerts of one group (Alertmanager batches what arrived within a
  ``group_interval``); about one in ten carries a single alert;
* about one in ten is sent a second time, byte for byte (Alertmanager's ``repeat_interval``, or
  its retry after a lost answer);
* about one in twenty is followed by the group's whole set so far (the next ``group_interval``
  flush re-sends every alert of the group, old and new).

:class:`Sender` posts them at a steady rate over ``duration`` seconds, several in flight, with
the bearer token (``duration`` 0: as fast as the app answers), and records every answer's
status and latency.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.alerts.alertmanager import notification, webhook_alert
from warroom_sandbox.seed import ONCALL

SINGLE_SHARE = 0.1
REPEAT_SHARE = 0.1
CUMULATIVE_SHARE = 0.05
BATCH_SIZES = (10, 40)


def service_name(index: int) -> str:
    return f"storm-{index:02d}"


def write_config(folder: Path, services: int) -> Path:
    """A config folder where Olivia is on call for ``storm-00`` .. and critical alerts open
    incidents for the service their ``service`` label names."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "users.yaml").write_text(f"users:\n  - {{name: Olivia, slack_id: {ONCALL}}}\n")
    (folder / "schedules.yaml").write_text(f"""
schedules:
  - name: primary
    time_zone: UTC
    layers:
      - {{name: all, users: [{ONCALL}], rotation_virtual_start: "2024-01-01 00:00", turn: weekly}}
""")
    (folder / "escalation_policies.yaml").write_text("""
escalation_policies:
  - name: storm
    levels:
      - {delay_minutes: 30, targets: [{schedule: primary}]}
""")
    listed = "".join(
        f"  - {{name: {service_name(s)}, escalation_policy: storm}}\n" for s in range(services)
    )
    (folder / "services.yaml").write_text(f"services:\n{listed}")
    (folder / "alert_routes.yaml").write_text("""
routes:
  - name: critical
    match: {severity: critical}
    action: incident
""")
    return folder


@dataclass(frozen=True)
class Notification:
    """One webhook request of the storm: its body and the fingerprints it carries."""

    body: bytes
    service: str
    fingerprints: tuple[str, ...]


@dataclass(frozen=True)
class Storm:
    notifications: tuple[Notification, ...]
    expected: dict[str, frozenset[str]]  # service -> the fingerprints of its alerts
    groups: int

    @property
    def alerts(self) -> int:
        return sum(len(f) for f in self.expected.values())


def plan(services: int, alertnames: int, instances: int, *, seed: int = 7) -> Storm:
    """The storm's notifications in sending order (see the module docstring); the alerts
    started during the last ten minutes."""
    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(minutes=10)
    batches: list[tuple[dict[str, str], list[dict[str, Any]]]] = []
    expected: dict[str, frozenset[str]] = {}
    for s in range(services):
        service = service_name(s)
        fingerprints: set[str] = set()
        for n in range(alertnames):
            group = {"alertname": f"StormAlert{n:02d}", "service": service}
            alerts = [
                webhook_alert(
                    {**group, "severity": "critical", "instance": f"node-{i:04d}:9100"},
                    starts_at=start + timedelta(milliseconds=rng.randrange(600_000)),
                    annotations={"summary": f"{group['alertname']} on node-{i:04d}"},
                )
                for i in range(instances)
            ]
            fingerprints.update(a["fingerprint"] for a in alerts)
            rng.shuffle(alerts)
            batches += [(group, chunk) for chunk in _chunks(alerts, rng)]
        expected[service] = frozenset(fingerprints)
    rng.shuffle(batches)
    return Storm(_with_resends(batches, rng), expected, services * alertnames)


def _chunks(alerts: list[dict[str, Any]], rng: random.Random) -> list[list[dict[str, Any]]]:
    chunks = []
    while alerts:
        size = 1 if rng.random() < SINGLE_SHARE else rng.randint(*BATCH_SIZES)
        chunks.append(alerts[:size])
        alerts = alerts[size:]
    return chunks


def _with_resends(
    batches: Sequence[tuple[dict[str, str], list[dict[str, Any]]]], rng: random.Random
) -> tuple[Notification, ...]:
    sent: dict[str, list[dict[str, Any]]] = {}
    out: list[Notification] = []
    for group, alerts in batches:
        so_far = sent.setdefault(json.dumps(group, sort_keys=True), [])
        so_far += alerts
        out.append(_notification(group, alerts))
        if rng.random() < REPEAT_SHARE:
            out.append(out[-1])
        if rng.random() < CUMULATIVE_SHARE:
            out.append(_notification(group, so_far))
    return tuple(out)


def _notification(group: dict[str, str], alerts: Sequence[dict[str, Any]]) -> Notification:
    body = json.dumps(notification(alerts, group)).encode()
    return Notification(body, group["service"], tuple(a["fingerprint"] for a in alerts))


@dataclass
class Answer:
    status: int | str  # the HTTP status, or the transport error's name
    seconds: float
    text: str


@dataclass
class Sender:
    """Posts ``notifications`` to ``url`` evenly over ``duration`` s, ``in_flight`` at a time."""

    url: str
    token: str
    duration: float
    in_flight: int = 8
    answers: list[Answer] = field(default_factory=list, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def send(self, notifications: Sequence[Notification]) -> list[Answer]:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        limits = httpx.Limits(max_connections=self.in_flight)
        interval = self.duration / max(1, len(notifications))
        with (
            httpx.Client(headers=headers, timeout=60, limits=limits) as client,
            ThreadPoolExecutor(self.in_flight, thread_name_prefix="storm") as pool,
        ):
            started = time.perf_counter()
            for index, item in enumerate(notifications):
                time.sleep(max(0.0, started + index * interval - time.perf_counter()))
                pool.submit(self._post, client, item.body)
        return self.answers

    def _post(self, client: httpx.Client, body: bytes) -> None:
        began = time.perf_counter()
        try:
            response = client.post(self.url, content=body)
            answer = Answer(response.status_code, time.perf_counter() - began, response.text)
        except httpx.HTTPError as error:
            answer = Answer(type(error).__name__, time.perf_counter() - began, str(error))
        with self._lock:
            self.answers.append(answer)
