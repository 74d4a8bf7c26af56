"""The real Prometheus Alertmanager (Debian's ``prometheus-alertmanager``) as a test peer.

:class:`Alertmanager` writes a config whose only receiver is a webhook at ``receiver_url`` with
``http_config.authorization`` (``Bearer <token>``) and ``send_resolved: true``, with short
``group_wait`` / ``group_interval`` / ``repeat_interval`` and ``group_by`` as given; then starts
the binary on free loopback ports with clustering disabled (``--cluster.listen-address=``) and
its storage in a folder of its own, waits for ``/-/ready``, and stops it with SIGTERM on leaving.
Tests post alerts to its ``/api/v2/alerts`` (:func:`api_alert` builds one) as Prometheus does.

:func:`notification` (with :func:`webhook_alert` and :func:`fingerprint`) builds the webhook
payload the real Alertmanager would send for a group, byte for byte as far as JSON goes (the
tests with the real binary check that): the storm test and ``bench.alerts`` post these directly
when they need more alerts than an Alertmanager would forward in reasonable time.

Its log (stdout and stderr) goes to ``alertmanager.log`` in the work folder; :meth:`explain`
appends the last lines to an assertion message, so a failure says what Alertmanager did.

:func:`require_alertmanager` skips a test when the binary is missing, and fails it under CI
(``CI=true``): CI installs the package (``.ci/run``), so CI cannot pass without these tests.

Behaviour of the real Alertmanager (0.25) that these tests rely on and document:

* a firing alert's ``endsAt`` in the webhook is Go's zero time ``0001-01-01T00:00:00Z`` even
  though Alertmanager stores ``now + resolve_timeout`` for an alert posted without one;
* an alert posted with ``endsAt`` in the past is resolved, and goes out with ``status:
  "resolved"`` at the group's next ``group_interval`` flush;
* a group is flushed ``group_wait`` after its first alert, again every ``group_interval`` when
  something changed, and re-sent unchanged every ``repeat_interval``;
* timestamps come back in RFC 3339 with Go's nanosecond formatting (trailing zeros trimmed);
* a receiver's 5xx answer is retried at once with backoff; a 4xx is not retried ("unrecoverable
  error") until the group's next ``group_interval``;
* what was sent is remembered in the notification log in ``--storage.path``: a restarted
  Alertmanager with the same storage does not re-send an unchanged group before
  ``repeat_interval``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import IN_CI
from tests.replicas.harness import free_port

BINARY = Path(os.environ.get("WARROOM_ALERTMANAGER", "/usr/bin/prometheus-alertmanager"))
RECEIVER = "warroom"
READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
LOG_TAIL_CHARACTERS = 4_000
GENERATOR_URL = "http://prometheus.test:9090/graph?g0.expr=up+%3D%3D+0"
ZERO_TIME = "0001-01-01T00:00:00Z"  # Go's zero time.Time: an alert that is still firing
FNV_OFFSET, FNV_PRIME = 0xCBF29CE484222325, 0x100000001B3
LABEL_SEPARATOR = 0xFF


def require_alertmanager() -> Path:
    """The binary; skip without it (fail under CI, which installs it)."""
    if BINARY.exists() and os.access(BINARY, os.X_OK):
        return BINARY
    found = shutil.which("alertmanager")
    if found:
        return Path(found)
    message = (
        f"{BINARY} is missing: install Debian's prometheus-alertmanager "
        "(apt-get install prometheus-alertmanager) to run the tests with the real Alertmanager"
    )
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def rfc3339(instant: datetime) -> str:
    """``instant`` (timezone-aware) in UTC at millisecond precision, formatted as Go formats
    ``time.Time`` in JSON (RFC 3339, trailing zeros of the fraction trimmed): what Alertmanager
    sends back for what it was given."""
    if instant.tzinfo is None:
        raise ValueError("alert times must be timezone-aware")
    utc = instant.astimezone(UTC)
    fraction = f"{utc.microsecond // 1000:03d}".rstrip("0")
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "") + "Z"


def api_alert(
    labels: Mapping[str, str],
    *,
    starts_at: datetime,
    ends_at: datetime | None = None,
    annotations: Mapping[str, str] | None = None,
    generator_url: str = GENERATOR_URL,
) -> dict[str, Any]:
    """One alert in the shape Prometheus posts to ``/api/v2/alerts`` (``endsAt`` in the past
    resolves it; without ``endsAt`` it fires until Alertmanager's ``resolve_timeout``)."""
    body: dict[str, Any] = {
        "labels": dict(labels),
        "annotations": dict(annotations or {}),
        "startsAt": rfc3339(starts_at),
        "generatorURL": generator_url,
    }
    if ends_at is not None:
        body["endsAt"] = rfc3339(ends_at)
    return body


def fingerprint(labels: Mapping[str, str]) -> str:
    """Alertmanager's alert fingerprint: FNV-1a (64 bit) over the sorted label names and values,
    each followed by the byte 0xff, as 16 hex digits (Prometheus ``model.LabelSet.Fingerprint``)."""
    digest = FNV_OFFSET
    for name in sorted(labels):
        for part in (name, labels[name]):
            for byte in (*part.encode(), LABEL_SEPARATOR):
                digest = ((digest ^ byte) * FNV_PRIME) & 0xFFFF_FFFF_FFFF_FFFF
    return f"{digest:016x}"


def webhook_alert(
    labels: Mapping[str, str],
    *,
    starts_at: datetime,
    ends_at: datetime | None = None,
    annotations: Mapping[str, str] | None = None,
    generator_url: str = GENERATOR_URL,
) -> dict[str, Any]:
    """One alert as Alertmanager's webhook (version 4) carries it: resolved when ``ends_at`` is
    given, else firing with Go's zero time as ``endsAt``."""
    return {
        "status": "firing" if ends_at is None else "resolved",
        "labels": dict(labels),
        "annotations": dict(annotations or {}),
        "startsAt": rfc3339(starts_at),
        "endsAt": ZERO_TIME if ends_at is None else rfc3339(ends_at),
        "generatorURL": generator_url,
        "fingerprint": fingerprint(labels),
    }


def group_key(group_labels: Mapping[str, str]) -> str:
    """The ``groupKey`` of a group of the root route: ``{}:{name="value", ...}``, names sorted."""
    pairs = ", ".join(f"{name}={json.dumps(group_labels[name])}" for name in sorted(group_labels))
    return f"{{}}:{{{pairs}}}"


def notification(
    alerts: Sequence[Mapping[str, Any]],
    group_labels: Mapping[str, str],
    *,
    external_url: str = "http://alertmanager.test:9093",
) -> dict[str, Any]:
    """The webhook payload (version 4) Alertmanager sends for one group of the root route with
    these ``alerts`` (from :func:`webhook_alert`): firing while any of them fires; the labels
    and annotations that all alerts share, with the same value, are the common ones."""
    return {
        "receiver": RECEIVER,
        "status": "firing" if any(a["status"] == "firing" for a in alerts) else "resolved",
        "alerts": [dict(a) for a in alerts],
        "groupLabels": dict(group_labels),
        "commonLabels": _common([a["labels"] for a in alerts]),
        "commonAnnotations": _common([a["annotations"] for a in alerts]),
        "externalURL": external_url,
        "version": "4",
        "groupKey": group_key(group_labels),
        "truncatedAlerts": 0,
    }


def _common(maps: Sequence[Mapping[str, str]]) -> dict[str, str]:
    if not maps:
        return {}
    return {k: v for k, v in maps[0].items() if all(m.get(k) == v for m in maps[1:])}


class Alertmanager:
    """A real Alertmanager on loopback whose one receiver is the webhook at ``receiver_url``.

    ``group_by`` is the route's grouping (``("...",)`` groups by every label);
    ``group_wait`` / ``group_interval`` / ``repeat_interval`` are Alertmanager durations.
    """

    def __init__(
        self,
        workdir: Path,
        receiver_url: str,
        token: str,
        *,
        group_by: Sequence[str] = ("alertname", "service"),
        group_wait: str = "1s",
        group_interval: str = "1s",
        repeat_interval: str = "1h",
    ) -> None:
        self.workdir = workdir
        self.receiver_url = receiver_url
        self._token = token
        self._route = {
            "receiver": RECEIVER,
            "group_by": list(group_by),
            "group_wait": group_wait,
            "group_interval": group_interval,
            "repeat_interval": repeat_interval,
        }
        self._binary = require_alertmanager()
        self.log_path = workdir / "alertmanager.log"
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._client = httpx.Client(timeout=10)

    def config(self) -> dict[str, Any]:
        """The ``alertmanager.yml`` this instance runs with."""
        webhook = {
            "url": self.receiver_url,
            "send_resolved": True,
            "http_config": {"authorization": {"type": "Bearer", "credentials": self._token}},
        }
        return {
            "route": self._route,
            "receivers": [{"name": RECEIVER, "webhook_configs": [webhook]}],
        }

    def start(self) -> Alertmanager:
        """Write the config, start the binary and return once ``/-/ready`` answers 200."""
        config = self.workdir / "alertmanager.yml"
        config.write_text(yaml.safe_dump(self.config(), sort_keys=False))
        storage = self.workdir / "alertmanager-data"
        storage.mkdir(exist_ok=True)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        command = [
            str(self._binary),
            f"--config.file={config}",
            f"--storage.path={storage}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            "--log.level=debug",
        ]
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(self.explain("Alertmanager exited while starting"))
            try:
                if self._client.get(f"{self.url}/-/ready").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError(self.explain(f"Alertmanager not ready after {READY_TIMEOUT_SECONDS} s"))

    def post(self, *alerts: Mapping[str, Any]) -> None:
        """``POST /api/v2/alerts``, as Prometheus does; anything but 200 fails with the log."""
        response = self._client.post(f"{self.url}/api/v2/alerts", json=list(alerts))
        assert response.status_code == 200, self.explain(
            f"Alertmanager answered {response.status_code}: {response.text}"
        )

    def log(self) -> str:
        """The binary's output so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def explain(self, message: str) -> str:
        """``message`` followed by the tail of Alertmanager's log, for assertion messages."""
        return (
            f"{message}\n--- Alertmanager log ({self.log_path}) ---\n"
            + self.log()[-LOG_TAIL_CHARACTERS:]
        )

    def stop(self) -> None:
        """SIGTERM and wait (SIGKILL if it hangs). Safe to call twice."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_TIMEOUT_SECONDS)
        self._client.close()

    def __enter__(self) -> Alertmanager:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
