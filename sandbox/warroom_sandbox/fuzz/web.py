"""Hostile requests for everything but Slack: alert webhooks, post-mortem review pages, calendar
feeds, the operator's probes, and paths and methods nobody serves.

Alert bodies start from the shapes the senders use (Alertmanager version 4, which Grafana's
webhook follows, and warroom's generic JSON), with the right credentials most of the time, then
get mutated; a few are not JSON at all or are larger than the webhook takes.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from bot.paging.notify.signing import signed_headers
from warroom_sandbox.fuzz import FuzzRequest, Generator, Target, values

JSON = b"application/json"
SOURCES = ("alertmanager", "grafana", "generic")
MAX_ALERT_BODY = 1_000_000  # ALERTS_MAX_BODY_BYTES by default
_SERVICES = ("checkout-api", "checkout", "payments", "nope", "")
_SEVERITIES = ("critical", "warning", "info", "")
_JUNK_PATHS = (
    "/",
    "/slack/events",
    "/webhooks/",
    "/webhooks/pagerduty",
    "/postmortems/",
    "/postmortems/abc",
    "/postmortems/-1",
    "/oncall/.ics",
    "/oncall/..%2F..%2Fetc%2Fpasswd.ics",
    "/%00",
    "/metrics/../readyz",
    "/favicon.ico",
)


def webhook(rnd: random.Random, target: Target) -> FuzzRequest:
    source = rnd.choice([*SOURCES, "nagios"])
    payload = _generic(rnd) if source == "generic" else _alertmanager(rnd)
    payload = values.mutate(rnd, payload, rnd.choice([0, 0, 1, 2, 3]))
    roll = rnd.random()
    if roll < 0.85:
        body = json.dumps(payload).encode()
    elif roll < 0.95:
        body = rnd.choice([b"", b"{", b"[]", b"null", b"\xff\xfe", values.text(rnd).encode()])
    else:
        body = b'{"alerts": [' + b"{}," * (MAX_ALERT_BODY // 3) + b"{}]}"
    headers = [(b"Content-Type", rnd.choice([JSON, b"text/plain"]))]
    headers += _credentials(rnd, target, source, body)
    return FuzzRequest("webhook", "POST", f"/webhooks/{source}", body, tuple(headers))


def _credentials(
    rnd: random.Random, target: Target, source: str, body: bytes
) -> list[tuple[bytes, bytes]]:
    roll = rnd.random()
    if roll < 0.15:
        return []
    if roll < 0.25:
        return [(b"Authorization", rnd.choice([b"Bearer wrong", b"Basic eDp5", b"Bearer "]))]
    if source == "generic" and target.generic_secret:
        signed = signed_headers(target.generic_secret, body)
        return [(k.encode(), v.encode()) for k, v in signed.items()]
    if target.alert_token:
        return [(b"Authorization", f"Bearer {target.alert_token}".encode())]
    return []


def _alertmanager(rnd: random.Random) -> dict[str, Any]:
    alerts = [_am_alert(rnd) for _ in range(rnd.choice([0, 1, 1, 2, 5]))]
    group = {"alertname": "FuzzAlert", "service": rnd.choice(_SERVICES)}
    return {
        "receiver": "warroom",
        "status": rnd.choice(["firing", "resolved", "pending"]),
        "alerts": alerts,
        "groupLabels": group,
        "commonLabels": group,
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.test:9093",
        "version": rnd.choice(["4", "4", "3", 4]),
        "groupKey": f'{{}}:{{alertname="FuzzAlert", service="{group["service"]}"}}',
        "truncatedAlerts": rnd.choice([0, 0, 3, -1]),
    }


def _am_alert(rnd: random.Random) -> dict[str, Any]:
    labels = {
        "alertname": rnd.choice(["FuzzAlert", values.text(rnd, 1)]),
        "service": rnd.choice(_SERVICES),
        "severity": rnd.choice(_SEVERITIES),
    }
    firing = rnd.random() < 0.7
    return {
        "status": "firing" if firing else "resolved",
        "labels": labels,
        "annotations": {"summary": values.text(rnd), "description": values.text(rnd)},
        "startsAt": _instant(rnd),
        "endsAt": "0001-01-01T00:00:00Z" if firing else _instant(rnd),
        "generatorURL": "http://prometheus.test/graph",
        "fingerprint": rnd.choice([f"{rnd.getrandbits(64):016x}", values.text(rnd, 1)]),
    }


def _generic(rnd: random.Random) -> dict[str, Any]:
    alert = {
        "name": values.text(rnd, 2),
        "labels": {"service": rnd.choice(_SERVICES), "severity": rnd.choice(_SEVERITIES)},
        "summary": values.text(rnd),
        "starts_at": _instant(rnd),
        "fingerprint": f"fuzz-{rnd.getrandbits(32)}",
    }
    return {"group_key": rnd.choice(["fuzz", values.text(rnd, 1)]), "alerts": [alert]}


def _instant(rnd: random.Random) -> str:
    roll = rnd.random()
    if roll < 0.7:
        when = datetime.now(UTC) - timedelta(seconds=rnd.randint(-3600, 86_400 * 400))
        return when.isoformat().replace("+00:00", "Z")
    return rnd.choice(["", "yesterday", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "1e9"])


def postmortem_page(rnd: random.Random, target: Target) -> FuzzRequest:
    roll = rnd.random()
    if roll < 0.3 and target.review_links:
        path = rnd.choice(target.review_links)
    elif roll < 0.6 and target.review_links:
        base, _, query = rnd.choice(target.review_links).partition("?")
        path = f"{base}?{_bend_query(rnd, query)}"
    else:
        number = rnd.choice([str(values.number(rnd, target.numbers)), "99999999999999999999"])
        path = f"/postmortems/{number.lstrip('-')}?expires={quote(values.text(rnd, 1))}&sig=0"
        path += rnd.choice(["", "&diff=1", "&section=summary", "&version=-1"])
    method = rnd.choice(["GET", "GET", "GET", "POST", "HEAD"])
    return FuzzRequest("postmortem", method, path)


def _bend_query(rnd: random.Random, query: str) -> str:
    pairs = [pair.partition("=") for pair in query.split("&")]
    bent = [
        f"{name}={quote(values.text(rnd, 1))}" if rnd.random() < 0.5 else f"{name}={value}"
        for name, _, value in pairs
    ]
    return "&".join(bent + rnd.choice([[], ["diff=1"], ["version=99999999999999999999"]]))


def calendar_feed(rnd: random.Random, target: Target) -> FuzzRequest:
    roll = rnd.random()
    if roll < 0.4 and target.feeds:
        path = rnd.choice(target.feeds)
    else:
        name = rnd.choice(["primary", "legacy", "nope", values.text(rnd, 1), "a" * 5000])
        token = rnd.choice(["", "0" * 40, values.text(rnd, 1)])
        path = f"/oncall/{quote(name, safe='')}.ics?token={quote(token, safe='')}"
    return FuzzRequest("calendar", rnd.choice(["GET", "GET", "HEAD", "POST"]), path)


def probe(rnd: random.Random, target: Target) -> FuzzRequest:
    path = rnd.choice(["/metrics", "/readyz", "/healthz"])
    return FuzzRequest("probe", rnd.choice(["GET", "GET", "GET", "HEAD", "POST"]), path)


def nowhere(rnd: random.Random, target: Target) -> FuzzRequest:
    method = rnd.choice(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
    body = values.text(rnd).encode() if method in ("POST", "PUT", "PATCH") else b""
    return FuzzRequest("nowhere", method, rnd.choice(_JUNK_PATHS), body)


GENERATORS: dict[str, Generator] = {
    "webhook": webhook,
    "postmortem": postmortem_page,
    "calendar": calendar_feed,
    "probe": probe,
    "nowhere": nowhere,
}
