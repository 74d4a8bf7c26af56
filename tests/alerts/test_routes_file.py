"""``alert_routes.yaml``: the example loads, every mistake is reported with file, line, field and
a hint, ``warroom config check`` includes it, and a broken edit while running is ignored."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.alerts.domain import Action
from bot.alerts.routes_file import check_routes, load_routing
from bot.alerts.routes_live import LiveRouting
from bot.cli import main
from bot.config import Config, load_config
from bot.config.startup import InvalidConfig
from bot.incidents.domain.severity import Severity

EXAMPLE = Path(__file__).parents[2] / "config"
SERVICES = ["checkout-api", "payment-gateway", "refunds-worker"]


def errors(tmp_path: Path, text: str, services: list[str] | None = SERVICES) -> list[str]:
    (tmp_path / "alert_routes.yaml").write_text(text)
    file = str(tmp_path / "alert_routes.yaml")
    return [
        str(error).replace(file, "alert_routes.yaml") for error in check_routes(tmp_path, services)
    ]


def test_the_example_routes_load_against_the_example_services() -> None:
    routing = load_routing(EXAMPLE, [s.name for s in load_config(EXAMPLE).services])
    names = [route.name for route in routing.routes]
    assert names == ["payments-critical", "refunds-backlog", "chatter", "by-service"]
    assert routing.routes[1].action is Action.PAGE
    assert routing.default is not None
    assert routing.default.channel == "#payments-ops"
    assert routing.severities["error"] is Severity.SEV2


def test_without_a_file_every_alert_opens_an_incident_for_its_service_label(
    tmp_path: Path,
) -> None:
    routing = load_routing(tmp_path, ["checkout"])
    [route] = routing.routes
    assert (route.name, route.action, route.service, route.match) == (
        "by-service",
        Action.INCIDENT,
        None,
        {},
    )
    assert routing.default is None


def test_every_mistake_is_reported_with_its_line_and_field(tmp_path: Path) -> None:
    text = """\
severities:
  critical: sev9
routes:
  - name: Payments Critical
    match: {team: payments}
    service: checkout-apy
  - name: chatter
    action: channel
    severity: sev2
  - name: chatter
    action: incident
    channel: "#alerts"
    match: {"bad label": x, team: []}
default:
  action: channel
  channel: alerts
"""
    assert errors(tmp_path, text) == [
        "alert_routes.yaml:2: severities.critical: unknown severity 'sev9': use one of sev1 "
        "(critical), sev2 (major), sev3 (minor), sev4 (cosmetic)",
        "alert_routes.yaml:4: routes[0].name: route name 'Payments Critical' is not a slug "
        "(hint: use lower-case letters, digits, '-' and '_' (it is typed in Slack commands), "
        "e.g. payments-critical)",
        "alert_routes.yaml:6: routes[0].service: unknown service 'checkout-apy' "
        "(hint: did you mean 'checkout-api'?; define it in services.yaml)",
        "alert_routes.yaml:7: routes[1].channel: a channel route needs a channel (hint: write "
        "'#channel-name' (in quotes: a bare # starts a YAML comment) or an id)",
        "alert_routes.yaml:9: routes[1].severity: a channel route has no severity "
        "(hint: remove it)",
        "alert_routes.yaml:10: routes[2].name: duplicate route name 'chatter' (hint: names must "
        "be unique; the first route with this name is at line 7)",
        "alert_routes.yaml:12: routes[2].channel: an incident route posts to no channel "
        "(hint: remove it)",
        "alert_routes.yaml:13: routes[2].match.bad label: 'bad label' is not a label name "
        "(hint: e.g. service)",
        "alert_routes.yaml:13: routes[2].match.team: no values to match (hint: list one or more "
        "values)",
        "alert_routes.yaml:16: default.channel: 'alerts' is not a Slack channel (hint: write "
        "'#channel-name' (in quotes: a bare # starts a YAML comment) or an id)",
    ]


def test_types_and_unknown_fields_are_reported_by_line(tmp_path: Path) -> None:
    text = """\
routes:
  - name: a
    acton: page
  - name: b
    action: shout
"""
    found = errors(tmp_path, text)
    assert found[0] == "alert_routes.yaml:3: routes[0].acton: Extra inputs are not permitted"
    assert found[1].startswith("alert_routes.yaml:5: routes[1].action: Input should be ")


def test_invalid_yaml_is_reported_with_its_line(tmp_path: Path) -> None:
    assert errors(tmp_path, "routes:\n  - name: a\n   action: page\n") == [
        "alert_routes.yaml:3: invalid YAML: expected <block end>, but found "
        "'<block mapping start>' (hint: check indentation and quoting)"
    ]


def test_config_check_includes_the_routes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "config"
    shutil.copytree(EXAMPLE, folder)
    assert main(["config", "check", "--dir", str(folder)]) == 0
    (folder / "alert_routes.yaml").write_text("routes:\n  - name: x\n    service: nope\n")
    assert main(["config", "check", "--dir", str(folder)]) == 1
    out = capsys.readouterr()
    assert f"{folder / 'alert_routes.yaml'}:3: routes[0].service: unknown service 'nope'" in out.out
    assert "1 error" in out.err


def test_a_broken_edit_keeps_the_last_good_routes_and_a_broken_start_refuses(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "config"
    shutil.copytree(EXAMPLE, folder)
    config = load_config(folder)
    clock = [0.0]
    live = LiveRouting(folder, lambda: config, check_every=10, monotonic=lambda: clock[0])
    assert live().routes[0].name == "payments-critical"
    routes_file = folder / "alert_routes.yaml"
    routes_file.write_text("routes:\n  - name: only\n    action: incident\n")
    clock[0] = 11
    assert [r.name for r in live().routes] == ["only"]
    routes_file.write_text("routes:\n  - name: only\n    action: shout\n")
    os.utime(routes_file, (1, 1))
    clock[0] = 22
    assert [r.name for r in live().routes] == ["only"]
    with pytest.raises(InvalidConfig, match=r"alert_routes.yaml:3: routes\[0\].action"):
        LiveRouting(folder, lambda: config)


def test_routes_follow_services_added_to_the_config(tmp_path: Path) -> None:
    current = [Config()]
    live = LiveRouting(tmp_path, lambda: current[0])
    assert live().services == frozenset()
    current[0] = load_config(EXAMPLE)
    assert live().services == frozenset(SERVICES)
