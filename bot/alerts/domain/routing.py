"""Routing: what an alert does, decided by its labels (first matching route wins).

A route matches when every label it names has one of the listed values. Its action is to open an
incident for a service (``incident``), to page the service's on-call without an incident
(``page``), or to post to a Slack channel (``channel``). A route that names no service takes the
alert's ``service`` label; a service that is not configured, like an alert that no route matches,
goes to the default route when there is one and is refused otherwise, with the reason.

Severity: the route's own ``severity`` when it sets one, else the alert's ``severity`` label
mapped through ``Routing.severities`` (``critical -> SEV1``), else SEV3.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from bot.alerts.domain.model import Alert
from bot.incidents.domain.severity import Severity

SERVICE_LABEL = "service"
SEVERITY_LABEL = "severity"
FALLBACK_SEVERITY = Severity.SEV3
DEFAULT_SEVERITIES: Mapping[str, Severity] = MappingProxyType(
    {
        "critical": Severity.SEV1,
        "page": Severity.SEV1,
        "high": Severity.SEV2,
        "error": Severity.SEV2,
        "major": Severity.SEV2,
        "warning": Severity.SEV3,
        "minor": Severity.SEV3,
        "info": Severity.SEV4,
        "low": Severity.SEV4,
    }
)


class Action(StrEnum):
    INCIDENT = "incident"
    PAGE = "page"
    CHANNEL = "channel"

    @property
    def needs_service(self) -> bool:
        return self is not Action.CHANNEL


class Unroutable(ValueError):
    """No route takes the alert and there is no default route; the message says why."""


@dataclass(frozen=True)
class Route:
    name: str
    action: Action
    match: Mapping[str, frozenset[str]] = field(default_factory=dict)
    service: str | None = None  # None: the alert's ``service`` label
    severity: Severity | None = None
    channel: str | None = None  # ``channel`` routes: ``#name`` or a channel id

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(labels.get(name) in values for name, values in self.match.items())


@dataclass(frozen=True)
class Routing:
    """The routes in order, the optional default, the severity mapping and the known services."""

    routes: tuple[Route, ...]
    services: frozenset[str]
    default: Route | None = None
    severities: Mapping[str, Severity] = field(default_factory=lambda: DEFAULT_SEVERITIES)


@dataclass(frozen=True)
class Decision:
    route: str
    action: Action
    service: str | None
    severity: Severity
    channel: str | None


def decide(routing: Routing, alert: Alert) -> Decision:
    """The decision for ``alert``; ``Unroutable`` (worded for the sender) when nothing takes it."""
    route = next((r for r in routing.routes if r.matches(alert.labels)), None)
    problem = _problem(routing, route, alert)
    if problem is None and route is not None:
        return _decision(routing, route, alert)
    default = routing.default
    if default is not None and _problem(routing, default, alert) is None:
        return _decision(routing, default, alert)
    raise Unroutable(problem or "no route matches it")


def _problem(routing: Routing, route: Route | None, alert: Alert) -> str | None:
    if route is None:
        labels = ", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items()))
        return f"no route in alert_routes.yaml matches its labels ({labels})"
    if not route.action.needs_service or route.service is not None:
        return None
    service = alert.labels.get(SERVICE_LABEL)
    known = ", ".join(sorted(routing.services)) or "none configured"
    if service is None:
        return (
            f"route {route.name!r} takes the service from the alert's '{SERVICE_LABEL}' label, "
            f"which it does not have (known services: {known})"
        )
    if service not in routing.services:
        return f"its '{SERVICE_LABEL}' label {service!r} is not a known service (known: {known})"
    return None


def _decision(routing: Routing, route: Route, alert: Alert) -> Decision:
    service = None
    if route.action.needs_service:
        service = route.service or alert.labels[SERVICE_LABEL]
    return Decision(
        route=route.name,
        action=route.action,
        service=service,
        severity=_severity(routing, route, alert),
        channel=route.channel,
    )


def _severity(routing: Routing, route: Route, alert: Alert) -> Severity:
    if route.severity is not None:
        return route.severity
    label = alert.labels.get(SEVERITY_LABEL, "").strip().lower()
    return routing.severities.get(label, FALLBACK_SEVERITY)
