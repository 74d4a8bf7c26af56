"""The sample Grafana dashboard (docs/grafana-dashboard.json) asks only for what /metrics serves:
every metric name in its PromQL, and every label it groups or filters by, is on /metrics after
incidents have been declared, acknowledged and resolved through signed Slack requests."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import Bot, eventually

DASHBOARD = Path(__file__).parents[2] / "docs" / "grafana-dashboard.json"
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset"}
KEYWORDS |= {"and", "or", "unless"}


def expressions(dashboard: dict[str, Any]) -> list[str]:
    found = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            found.append(variable["definition"])
    return found


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (identifiers that are neither functions nor
    keywords, outside label matchers, ranges and grouping lists)."""
    rest = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    rest = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", rest)
    rest = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", rest)
    values = re.fullmatch(r"\s*label_values\(\s*([A-Za-z_:][\w:]*)\s*,\s*\w+\s*\)\s*", rest)
    if values:
        return {values.group(1)}
    return {
        m.group(1)
        for m in re.finditer(r"(?<![\w.])([A-Za-z_:][\w:]*)\s*(\(?)", rest)
        if not m.group(2) and m.group(1) not in KEYWORDS
    }


def label_names(expr: str) -> set[str]:
    """Labels the expression groups by, filters on or asks the values of."""
    found: set[str] = set()
    for group in re.findall(r"\b(?:by|without)\s*\(([^)]*)\)", expr):
        found |= {name.strip() for name in group.split(",") if name.strip()}
    for matchers in re.findall(r"\{([^}]*)\}", expr):
        found |= set(re.findall(r"(\w+)\s*(?:=~|!~|!=|=)", matchers))
    values = re.search(r"label_values\([^,]+,\s*(\w+)\s*\)", expr)
    if values:
        found.add(values.group(1))
    return found - {"instance", "pod"}  # target labels Prometheus adds when it scrapes


def test_every_metric_and_label_the_dashboard_uses_is_on_metrics(bot: Bot) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    channel = bot.declare("Checkout latency high sev2 service:checkout-api")
    bot.clock.advance(timedelta(minutes=2))
    bot.command(channel, "ack")
    bot.clock.advance(timedelta(minutes=30))
    bot.command(channel, "resolve")

    def served() -> dict[str, set[str]] | None:
        text = httpx.get(f"{bot.url}/metrics", timeout=10).text
        samples: dict[str, set[str]] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                samples.setdefault(sample.name, set()).update(sample.labels)
        resolved = "warroom_incident_time_to_resolve_seconds_count" in samples
        return samples if resolved else None

    samples = eventually(served, what="the resolve histogram on /metrics")
    exprs = expressions(dashboard)
    assert len(exprs) >= 10
    used: set[str] = set()
    for expr in exprs:
        names = metric_names(expr)
        assert names, f"no metric found in {expr!r}"
        for name in names:
            assert name in samples, f"{name} (in {expr!r}) is not on /metrics"
            labels = samples[name]
            missing = label_names(expr) - labels
            assert not missing, f"{name} has no label {missing} (in {expr!r})"
        used |= names
    assert {
        "warroom_incident_time_to_acknowledge_seconds_bucket",
        "warroom_incident_time_to_mitigate_seconds_bucket",
        "warroom_incident_time_to_resolve_seconds_bucket",
        "warroom_incident_time_to_resolve_seconds_count",
        "warroom_incidents",
    } <= used


def test_the_metric_name_reader_reads_promql() -> None:
    expr = (
        "histogram_quantile(0.9, sum by (le, service) (max without (instance, pod) ("
        'increase(foo_bucket{service=~"$service"}[$__range])))) / on (service) bar offset 1d'
    )
    assert metric_names(expr) == {"foo_bucket", "bar"}
    assert label_names(expr) == {"le", "service"}
    assert metric_names("label_values(baz_count, service)") == {"baz_count"}
