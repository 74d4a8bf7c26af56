"""Alertmanager's webhook (version "4") and Grafana's, which keeps Alertmanager's shape.

Alertmanager (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config) sends
``version``, ``groupKey``, ``truncatedAlerts`` and ``alerts``, each with ``status``, ``labels``
(``alertname`` among them), ``annotations``, ``startsAt``, ``endsAt`` (Go's zero time while
firing), ``generatorURL`` and ``fingerprint``. Grafana's contact point sends the same keys with
``version: "1"`` and some of its own (``orgId``, ``title``, ``message``, ``dashboardURL``...),
which are kept in the stored payload but not needed here.
"""

from __future__ import annotations

from typing import Any

from bot.alerts.domain import Alert, AlertStatus, Batch, Source, fingerprint_of
from bot.alerts.intake import fields
from bot.alerts.intake.errors import invalid

ACCEPTED_VERSIONS = {Source.ALERTMANAGER: "4", Source.GRAFANA: "1"}
MAX_TRUNCATED = 2**63 - 1  # Alertmanager's is a uint64; a count any database can hold
_SENDER = {Source.ALERTMANAGER: "Alertmanager", Source.GRAFANA: "Grafana"}


def parse(payload: dict[str, Any], source: Source) -> Batch:
    """The alerts of an Alertmanager (``source`` alertmanager) or Grafana webhook payload."""
    _check_version(payload, source)
    entries = fields.items(payload.get("alerts"), "alerts")
    group_key = fields.optional_text(payload.get("groupKey"), "groupKey")
    truncated = _truncated(payload.get("truncatedAlerts", 0))
    alerts = tuple(
        _alert(entry, f"alerts[{index}]", source, group_key) for index, entry in enumerate(entries)
    )
    return Batch(source, alerts, truncated)


def _truncated(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise invalid(f"truncatedAlerts: expected a count (0 or more), got {fields.show(value)}")
    if value > MAX_TRUNCATED:
        raise invalid(f"truncatedAlerts: {fields.show(value)} is more than {MAX_TRUNCATED}")
    return value


def _check_version(payload: dict[str, Any], source: Source) -> None:
    accepted = ACCEPTED_VERSIONS[source]
    version = payload.get("version")
    if version != accepted:
        got = "no version" if version is None else f"version {fields.show(version)}"
        raise invalid(
            f"version: {got} is not supported; warroom accepts {_SENDER[source]} webhook "
            f'version "{accepted}" only'
        )


def _alert(entry: Any, path: str, source: Source, group_key: str | None) -> Alert:
    alert = fields.obj(entry, path)
    labels = fields.string_map(alert.get("labels"), f"{path}.labels")
    if "alertname" not in labels:
        raise invalid(f"{path}.labels.alertname: missing; every alert needs an alertname label")
    name = fields.name(labels["alertname"], f"{path}.labels.alertname")
    status = alert.get("status")
    if status not in ("firing", "resolved"):
        raise invalid(f'{path}.status: expected "firing" or "resolved", got {fields.show(status)}')
    fingerprint = fields.optional_text(alert.get("fingerprint"), f"{path}.fingerprint")
    fingerprint = fields.bounded(fingerprint or fingerprint_of(labels))
    return Alert(
        source=source,
        name=name,
        status=AlertStatus(status),
        labels=labels,
        annotations=fields.string_map(alert.get("annotations"), f"{path}.annotations"),
        starts_at=fields.instant(alert.get("startsAt"), f"{path}.startsAt"),
        ends_at=fields.optional_instant(alert.get("endsAt"), f"{path}.endsAt"),
        fingerprint=fingerprint,
        generator_url=fields.optional_text(alert.get("generatorURL"), f"{path}.generatorURL"),
        group_key=fields.group(group_key or f"fingerprint:{fingerprint}"),
    )
