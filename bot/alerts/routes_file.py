"""``alert_routes.yaml`` in the config folder: how alerts are routed, checked like the config.

::

    severities:              # optional: the alert's `severity` label -> incident severity,
      critical: sev1         # merged over the built-in mapping (critical/page: sev1,
      warning: sev3          # high/error/major: sev2, warning/minor: sev3, info/low: sev4)
    routes:                  # first match wins
      - name: payments       # a slug, unique
        match: {team: payments, severity: [critical, warning]}   # every label must match
        action: incident     # incident (default) | page | channel
        service: checkout-api    # optional: default is the alert's `service` label
        severity: sev2       # optional: forces the severity
      - name: chatter
        match: {severity: info}
        action: channel
        channel: "#alerts"
    default:                 # optional: takes what no route takes
      action: channel
      channel: "#alerts"

Without the file, every alert opens an incident for the service its ``service`` label names.
Every error is reported with file, line, field and a hint (``SourceErrors``), like the rest of
the config folder (``warroom config check``).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path
from typing import Any, Literal

from bot.alerts.domain import DEFAULT_SEVERITIES, Action, Route, Routing
from bot.config.hints import join
from bot.config.names import unique_name
from bot.config.report import Item, Report
from bot.config.services import CHANNEL
from bot.incidents.domain.severity import Severity
from bot.kernel.suggest import did_you_mean
from bot.kernel.yamlsource import (
    SourceError,
    SourceErrors,
    Strict,
    read_optional,
)

ROUTES_FILE = "alert_routes.yaml"
DEFAULT_ROUTE = "default"
BY_SERVICE_ROUTE = "by-service"
_LABEL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CHANNEL_HINT = "write '#channel-name' (in quotes: a bare # starts a YAML comment) or an id"


class _DefaultRouteModel(Strict):
    action: Literal["incident", "page", "channel"] = "incident"
    service: str | None = None
    severity: str | None = None
    channel: str | None = None


class _RouteModel(_DefaultRouteModel):
    name: str
    match: dict[str, str | list[str]] = {}


class _RoutesModel(Strict):
    severities: dict[str, str] = {}
    routes: list[_RouteModel] = []
    default: _DefaultRouteModel | None = None


def by_service_routing(services: Collection[str]) -> Routing:
    """What applies without a routes file: an incident for the alert's ``service`` label."""
    return Routing((Route(BY_SERVICE_ROUTE, Action.INCIDENT),), frozenset(services))


def load_routing(folder: Path, services: Collection[str]) -> Routing:
    """The routing in ``folder``; ``SourceErrors`` with every error when the file is invalid."""
    routing, errors = _load(folder / ROUTES_FILE, services)
    if errors:
        raise SourceErrors(errors)
    return routing


def check_routes(folder: Path, services: Collection[str] | None) -> list[SourceError]:
    """Every error in ``folder``'s routes file; ``services=None`` skips the service check."""
    return _load(folder / ROUTES_FILE, services)[1]


def _load(path: Path, services: Collection[str] | None) -> tuple[Routing, list[SourceError]]:
    known = frozenset(services or ())
    try:
        loaded = read_optional(path, _RoutesModel)
    except SourceErrors as errors:
        return by_service_routing(known), errors.errors
    if loaded is None:
        return by_service_routing(known), []
    raw, model = loaded
    report = Report()
    routing = _build(Item(str(path), raw, (), model), services, report)
    return routing, sorted(report.errors, key=lambda error: error.line or 0)


def _build(item: Item[_RoutesModel], services: Collection[str] | None, report: Report) -> Routing:
    severities = dict(DEFAULT_SEVERITIES)
    for label, word in item.model.severities.items():
        severity = _severity(item, ("severities", label), word, report)
        if severity is not None:
            severities[label.strip().lower()] = severity
    seen: dict[str, int | None] = {}
    routes = []
    for index, model in enumerate(item.model.routes):
        route_item = Item(item.file, item.raw, ("routes", index), model)
        unique_name(route_item, "route", seen, report)
        routes.append(_route(route_item, model.name, services, report))
    default = None
    if item.model.default is not None:
        default_item = Item(item.file, item.raw, ("default",), item.model.default)
        default = _route(default_item, DEFAULT_ROUTE, services, report)
    return Routing(tuple(routes), frozenset(services or ()), default, severities)


def _route(item: Item[Any], name: str, services: Collection[str] | None, report: Report) -> Route:
    model = item.model
    action = Action(model.action)
    match: dict[str, frozenset[str]] = {}
    for label, values in getattr(model, "match", {}).items():
        if not _LABEL_NAME.match(label):
            report.add(item, ("match", label), f"{label!r} is not a label name", "e.g. service")
        listed = [values] if isinstance(values, str) else values
        if not listed:
            report.add(item, ("match", label), "no values to match", "list one or more values")
        match[label] = frozenset(listed)
    if action is Action.CHANNEL:
        _check_channel(item, model.channel, report)
        for field in ("service", "severity"):
            if getattr(model, field) is not None:
                report.add(item, (field,), f"a channel route has no {field}", "remove it")
    elif model.channel is not None:
        report.add(item, ("channel",), f"an {action} route posts to no channel", "remove it")
    if model.service is not None and services is not None and model.service not in services:
        report.add(
            item,
            ("service",),
            f"unknown service {model.service!r}",
            join(did_you_mean(model.service, services), "define it in services.yaml"),
        )
    severity = None
    if model.severity is not None:
        severity = _severity(item, ("severity",), model.severity, report)
    return Route(name, action, match, model.service, severity, model.channel)


def _check_channel(item: Item[Any], channel: str | None, report: Report) -> None:
    if channel is None:
        report.add(item, ("channel",), "a channel route needs a channel", _CHANNEL_HINT)
    elif not CHANNEL.match(channel):
        report.add(item, ("channel",), f"{channel!r} is not a Slack channel", _CHANNEL_HINT)


def _severity(
    item: Item[Any], loc: tuple[int | str, ...], word: str, report: Report
) -> Severity | None:
    try:
        return Severity.parse(word)
    except ValueError as error:
        report.add(item, loc, str(error))
        return None
