"""warroom's generic alert webhook: a small JSON shape any script or monitor can send.

::

    {"group_key": "optional, for every alert below",
     "alerts": [{"name": "Disk almost full",          required
                 "status": "firing",                  or "resolved"; default: resolved if
                                                      ends_at is given, else firing
                 "labels": {"service": "checkout-api", "severity": "warning"},
                 "summary": "db-1 /var at 93%", "description": "...",
                 "starts_at": "2026-11-20T14:02:11Z", required, RFC 3339 with offset
                 "ends_at": "2026-11-20T14:30:00Z",   optional
                 "url": "https://monitor.example.com/checks/42",
                 "fingerprint": "db-1-disk",          default: from name and labels
                 "group_key": "db-disk"}]}            default: the top-level one, else
                                                      name and service label

``name`` becomes the ``alertname`` label, so routes can match it like Alertmanager's. The full
description is in docs/alerts.md.
"""

from __future__ import annotations

from typing import Any

from bot.alerts.domain import Alert, AlertStatus, Batch, Source, fingerprint_of
from bot.alerts.intake import fields
from bot.alerts.intake.errors import invalid


def parse(payload: dict[str, Any]) -> Batch:
    entries = fields.items(payload.get("alerts"), "alerts")
    group_key = fields.optional_text(payload.get("group_key"), "group_key")
    alerts = tuple(
        _alert(entry, f"alerts[{index}]", group_key) for index, entry in enumerate(entries)
    )
    return Batch(Source.GENERIC, alerts)


def _alert(entry: Any, path: str, batch_group_key: str | None) -> Alert:
    alert = fields.obj(entry, path)
    if "name" not in alert:
        raise invalid(f'{path}.name: missing; every alert needs a name, e.g. "Disk almost full"')
    name = fields.name(alert["name"], f"{path}.name")
    labels = {"alertname": name, **fields.string_map(alert.get("labels"), f"{path}.labels")}
    ends_at = fields.optional_instant(alert.get("ends_at"), f"{path}.ends_at")
    status = alert.get("status", "resolved" if ends_at else "firing")
    if status not in ("firing", "resolved"):
        raise invalid(f'{path}.status: expected "firing" or "resolved", got {fields.show(status)}')
    if "starts_at" not in alert:
        raise invalid(f"{path}.starts_at: missing; give when the alert started (RFC 3339)")
    annotations = {
        key: fields.text(alert[key], f"{path}.{key}")
        for key in ("summary", "description")
        if alert.get(key) not in (None, "")
    }
    fingerprint = fields.optional_text(alert.get("fingerprint"), f"{path}.fingerprint")
    fingerprint = fields.bounded(fingerprint or fingerprint_of(labels))
    group_key = fields.optional_text(alert.get("group_key"), f"{path}.group_key")
    default_group = f"{name}:{labels.get('service', '')}"
    return Alert(
        source=Source.GENERIC,
        name=name,
        status=AlertStatus(status),
        labels=labels,
        annotations=annotations,
        starts_at=fields.instant(alert["starts_at"], f"{path}.starts_at"),
        ends_at=ends_at,
        fingerprint=fingerprint,
        generator_url=fields.optional_text(alert.get("url"), f"{path}.url"),
        group_key=fields.group(group_key or batch_group_key or default_group),
    )
