"""A seeded year of incident history for the insights (tests, ``python -m bench.insights``):
incidents over 12 services and 4 on-call schedules, with the alerts that opened most of them,
alert noise that opened none (some of it flapping), pages with their deliveries and
acknowledgements, and action items. Deterministic by seed.

``generate`` returns plain row dicts with their ids (the tests compute the expected figures from
them by hand); ``insert`` writes them into the bot's tables in bulk.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from bot.alerts.rows import AlertGroupRow, AlertRow
from bot.incidents.rows import ActionItemRow, IncidentRow
from bot.paging.rows import DeliveryRow, PageRow
from warroom_sandbox.seed import BOB, LEAD, MANAGER, ONCALL

SERVICES = (
    "checkout-api",
    "payments",
    "search",
    "login",
    "catalog",
    "cart",
    "notifications",
    "shipping",
    "inventory",
    "recommendations",
    "media",
    "gateway",
)
SCHEDULES = ("storefront", "money", "platform", "content")  # each covers three services
RULES = ("HighLatency", "ErrorRate", "SaturationHigh", "PodCrashLooping")
NOISY_RULES = ("DiskSpaceLow", "CertExpiringSoon", "QueueBacklog")
# Who is paged, and the zone Slack knows them in (the sandbox's people).
PEOPLE = (
    (ONCALL, "Europe/Berlin"),
    (LEAD, "America/New_York"),
    (MANAGER, "Europe/London"),
    (BOB, "America/Los_Angeles"),
)
SEVERITIES = (("SEV1", 0.05), ("SEV2", 0.2), ("SEV3", 0.45), ("SEV4", 0.3))
START = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass
class SeededHistory:
    incidents: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    pages: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)


def schedule_of(service: str) -> str:
    return SCHEDULES[SERVICES.index(service) // 3]


def on_call(service: str, at: datetime, people: Sequence[tuple[str, str]] = PEOPLE) -> str:
    """Weekly rotations, each schedule a person further on."""
    week = (at - START).days // 7
    return people[(week + SCHEDULES.index(schedule_of(service))) % len(people)][0]


def generate(
    seed: int = 16,
    count: int = 1000,
    start: datetime = START,
    days: int = 365,
    people: Sequence[tuple[str, str]] = PEOPLE,
    noise: int | None = None,
    private_share: float = 0.02,
) -> SeededHistory:
    """``count`` incidents declared over ``days`` from ``start``; ``noise`` alert episodes that
    opened none (default: three per incident); ``private_share`` of the incidents private."""
    rng = random.Random(seed)
    out = SeededHistory()
    span = days * 86_400
    declared_times = sorted(start + timedelta(seconds=rng.uniform(0, span)) for _ in range(count))
    for number, declared in enumerate(declared_times, start=1):
        _incident(rng, out, number, declared, people, private_share)
    for _ in range(count * 3 if noise is None else noise):
        _noise(rng, out, start + timedelta(seconds=rng.uniform(0, span)))
    return out


def _minutes(rng: random.Random, median: float) -> timedelta:
    return timedelta(minutes=rng.lognormvariate(0, 0.9) * median)


def _incident(
    rng: random.Random,
    out: SeededHistory,
    number: int,
    declared: datetime,
    people: Sequence[tuple[str, str]],
    private_share: float,
) -> None:
    service = rng.choice(SERVICES)
    severity = rng.choices([s for s, _ in SEVERITIES], [w for _, w in SEVERITIES])[0]
    acknowledged = declared + _minutes(rng, 4) if rng.random() < 0.95 else None
    mitigated = (acknowledged or declared) + _minutes(rng, 35) if rng.random() < 0.9 else None
    resolved = (
        (mitigated or declared) + _minutes(rng, 90) if mitigated and rng.random() < 0.95 else None
    )
    from_alert = rng.random() < 0.7
    detected = declared - _minutes(rng, 3) if from_alert else None
    private = rng.random() < private_share
    status = (
        "resolved"
        if resolved
        else "mitigated"
        if mitigated
        else rng.choice(("investigating", "identified"))
    )
    out.incidents.append(
        {
            "id": number,
            "title": f"{rng.choice(('Slow', 'Failing', 'Degraded', 'Flaky'))} {service} {number}",
            "description": "",
            "severity": severity,
            "status": status,
            "service": service,
            "declarer_id": ONCALL,
            "lead_id": ONCALL,
            "provision_state": "done",
            "channel_name": f"inc-{number}",
            "channel_id": f"CHIST{number:07d}",
            "detected_at": detected,
            "declared_at": declared,
            "acknowledged_at": acknowledged,
            "mitigated_at": mitigated,
            "resolved_at": resolved,
            "roles": {},
            "private": private,
            "version": 1,
        }
    )
    if detected is not None:
        group = len(out.groups) + 1
        key = f'{{}}:{{service="{service}"}}#{number}'
        out.groups.append(_group(group, key, "incident", service, number, detected, resolved))
        for n in range(rng.choice((1, 1, 1, 2, 3))):
            rule = RULES[(number + n) % len(RULES)]
            ends = mitigated or resolved
            out.alerts.append(
                _alert(
                    len(out.alerts) + 1,
                    group,
                    number,
                    f"{service}-{rule}-{n}",
                    rule,
                    key,
                    detected,
                    ends,
                )
            )
    if severity != "SEV4":
        page = len(out.pages) + 1
        paged = on_call(service, declared, people)
        page_acked = acknowledged if acknowledged and rng.random() < 0.97 else None
        out.pages.append(
            {
                "id": page,
                "incident_id": number,
                "target": f"schedule:{schedule_of(service)}",
                "requested_by": ONCALL,
                "message": "",
                "policy": {},
                "urgency": "high",
                "status": "acknowledged" if page_acked else "exhausted",
                "started_at": declared,
                "acknowledged_at": page_acked,
                "acknowledged_by": paged if page_acked else None,
                "fired": [],
                "version": 1,
            }
        )
        out.deliveries.append(
            {
                "id": len(out.deliveries) + 1,
                "key": f"history:{page}:{paged}",
                "page_id": page,
                "user_ref": paged,
                "channel": "slack",
                "status": "sent",
                "created_at": declared,
                "sent_at": declared,
            }
        )
    if severity in ("SEV1", "SEV2") and resolved is not None:
        for n in range(rng.randint(1, 4)):
            done = resolved + timedelta(days=rng.uniform(1, 40)) if rng.random() < 0.6 else None
            out.items.append(
                {
                    "id": len(out.items) + 1,
                    "incident_id": number,
                    "text": f"Follow-up {n + 1} of incident {number}",
                    "owner_id": ONCALL,
                    "created_by": ONCALL,
                    "created_at": resolved,
                    "done_at": done,
                }
            )


def _noise(rng: random.Random, out: SeededHistory, at: datetime) -> None:
    """An alert episode that opened no incident: a channel notice or a page-only DM; a fifth of
    them flap (fire and resolve again three to six times within a few hours)."""
    service = rng.choice(SERVICES)
    rule = rng.choice(NOISY_RULES)
    fingerprint = f"{service}-{rule}-{rng.randint(0, 5)}"
    repeats = rng.randint(3, 6) if rng.random() < 0.2 else 1
    for _ in range(repeats):
        ends = at + _minutes(rng, 8)
        group = len(out.groups) + 1
        key = f'{{}}:{{alertname="{rule}"}}#{group}'
        out.groups.append(
            _group(group, key, rng.choice(("channel", "page")), service, None, at, ends)
        )
        out.alerts.append(
            _alert(len(out.alerts) + 1, group, None, fingerprint, rule, key, at, ends)
        )
        at = ends + _minutes(rng, 20)


def _group(
    group: int,
    key: str,
    action: str,
    service: str,
    incident: int | None,
    opened: datetime,
    closed: datetime | None,
) -> dict[str, Any]:
    return {
        "id": group,
        "source": "alertmanager",
        "group_key": key,
        "route": service,
        "action": action,
        "service": service,
        "channel": None,
        "incident_id": incident,
        "opened_at": opened,
        "closed_at": closed,
    }


def _alert(
    alert: int,
    group: int,
    incident: int | None,
    fingerprint: str,
    rule: str,
    key: str,
    starts: datetime,
    ends: datetime | None,
) -> dict[str, Any]:
    return {
        "id": alert,
        "group_id": group,
        "incident_id": incident,
        "source": "alertmanager",
        "fingerprint": fingerprint,
        "name": rule,
        "status": "resolved" if ends else "firing",
        "labels": {"alertname": rule},
        "annotations": {},
        "starts_at": starts,
        "ends_at": ends,
        "generator_url": None,
        "group_key": key,
        "last_payload_id": 0,
        "updated_at": ends or starts,
    }


def insert_history(engine: Engine, history: SeededHistory, batch: int = 5_000) -> None:
    """Write the history in bulk (into empty tables: the ids are the generated ones)."""
    with engine.begin() as connection:
        for row, values in (
            (IncidentRow, history.incidents),
            (AlertGroupRow, history.groups),
            (AlertRow, history.alerts),
            (PageRow, history.pages),
            (DeliveryRow, history.deliveries),
            (ActionItemRow, history.items),
        ):
            for n in range(0, len(values), batch):
                connection.execute(insert(row), values[n : n + batch])
