"""Parsing webhook bodies: the shared samples, payloads in the shapes of Alertmanager's and
Grafana's documentation, the generic shape, and every refusal with its status and message."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.alerts.domain import AlertStatus, Batch, Source
from bot.alerts.intake.errors import Rejected
from bot.alerts.intake.parse import parse_body

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return loaded


def parse(source: Source, payload: Any) -> Batch:
    return parse_body(source, json.dumps(payload).encode())


def refusal(source: Source, payload: Any) -> tuple[int, str]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    with pytest.raises(Rejected) as raised:
        parse_body(source, body)
    return raised.value.status, raised.value.message


def test_the_shared_alertmanager_firing_sample() -> None:
    batch = parse(Source.ALERTMANAGER, load("alertmanager-firing-v4.json"))
    assert batch.truncated == 0
    first, second = batch.alerts
    assert first.source is Source.ALERTMANAGER
    assert first.name == "CheckoutHighLatency"
    assert first.status is AlertStatus.FIRING
    assert first.labels["instance"] == "checkout-7d9f:8080"
    assert first.summary == "Checkout p99 latency above 2s"
    assert first.starts_at == datetime(2026, 11, 20, 14, 2, 11, 372_000, tzinfo=UTC)
    assert first.ends_at is None  # Go's zero time
    assert first.fingerprint == "4f1c2a9be0d3a7c1"
    assert first.generator_url is not None
    assert first.generator_url.startswith("http://prometheus.example.com:9090/graph?")
    assert first.group_key == (
        '{}/{team="payments"}:{alertname="CheckoutHighLatency", service="checkout"}'
    )
    assert second.fingerprint == "9a0e77c3d51b2f08"
    assert second.group_key == first.group_key


def test_the_shared_alertmanager_resolved_sample() -> None:
    first, second = parse(Source.ALERTMANAGER, load("alertmanager-resolved-v4.json")).alerts
    assert first.status is AlertStatus.RESOLVED
    assert first.ends_at == datetime(2026, 11, 20, 14, 41, 11, 372_000, tzinfo=UTC)
    assert second.ends_at == datetime(2026, 11, 20, 14, 40, 26, 118_000, tzinfo=UTC)


def test_truncated_alerts_and_nanosecond_times() -> None:
    batch = parse(Source.ALERTMANAGER, load("alertmanager-truncated-v4.json"))
    assert batch.truncated == 3
    assert batch.alerts[0].starts_at == datetime(2026, 11, 20, 14, 2, 11, 372_123, tzinfo=UTC)


def test_the_shared_grafana_sample_keeps_its_offset() -> None:
    [alert] = parse(Source.GRAFANA, load("grafana-firing.json")).alerts
    assert alert.source is Source.GRAFANA
    assert alert.name == "Database connections saturated"
    assert alert.labels["service"] == "orders-db"
    assert alert.starts_at == datetime(2026, 11, 21, 3, 10, tzinfo=timezone(timedelta(hours=1)))
    assert alert.starts_at == datetime(2026, 11, 21, 2, 10, tzinfo=UTC)
    assert alert.generator_url == "https://grafana.example.com/alerting/grafana/f3b1c9/view"
    assert alert.group_key == '{}:{alertname="Database connections saturated"}'


def test_grafanas_documented_example() -> None:
    first, second = parse(Source.GRAFANA, load("grafana-docs-example.json")).alerts
    assert (first.name, second.name) == ("High memory usage", "High CPU usage")
    assert first.annotations["runbook_url"] == "https://myrunbook.com/runbook/1234"
    assert first.starts_at == datetime(2021, 10, 12, 7, 51, 3, 157_076, tzinfo=UTC)
    assert first.group_key == second.group_key == "{}:{}"


def test_the_generic_shape_with_defaults() -> None:
    payload = {
        "alerts": [
            {
                "name": "Disk almost full",
                "labels": {"service": "checkout-api", "host": "db-1"},
                "summary": "db-1 /var at 93%",
                "starts_at": "2026-11-20T14:02:11Z",
                "url": "https://monitor.example.com/checks/42",
            },
            {
                "name": "Disk almost full",
                "starts_at": "2026-11-20T14:02:11Z",
                "ends_at": "2026-11-20T15:00:00+00:00",
                "fingerprint": "db-1-disk",
                "group_key": "disks",
            },
        ]
    }
    first, second = parse(Source.GENERIC, payload).alerts
    assert first.labels == {
        "alertname": "Disk almost full",
        "service": "checkout-api",
        "host": "db-1",
    }
    assert first.status is AlertStatus.FIRING
    assert first.summary == "db-1 /var at 93%"
    assert first.generator_url == "https://monitor.example.com/checks/42"
    assert first.group_key == "Disk almost full:checkout-api"
    assert len(first.fingerprint) == 16
    assert first.fingerprint == parse(Source.GENERIC, payload).alerts[0].fingerprint  # stable
    assert second.status is AlertStatus.RESOLVED  # ends_at given
    assert (second.fingerprint, second.group_key) == ("db-1-disk", "disks")


def test_a_long_fingerprint_and_group_key_are_hashed_to_fit() -> None:
    payload = load("alertmanager-firing-v4.json")
    payload["alerts"][0]["fingerprint"] = "f" * 300
    payload["groupKey"] = "g" * 5000
    alert = parse(Source.ALERTMANAGER, payload).alerts[0]
    assert alert.fingerprint.startswith("sha256:")
    assert len(alert.fingerprint) == 71
    assert alert.group_key.startswith("sha256:")


def am_with(change: Any) -> dict[str, Any]:
    payload = copy.deepcopy(load("alertmanager-firing-v4.json"))
    change(payload)
    return payload


@pytest.mark.parametrize(
    ("source", "body", "status", "message"),
    [
        (
            Source.ALERTMANAGER,
            b"{oops",
            400,
            "malformed JSON at line 1 column 2: Expecting property name enclosed in double quotes",
        ),
        (Source.ALERTMANAGER, b"\xff\xfe{}", 400, "the body is not UTF-8 encoded JSON"),
        (Source.ALERTMANAGER, [1], 422, "expected a JSON object with an 'alerts' list"),
        (
            Source.ALERTMANAGER,
            am_with(lambda p: p.pop("version")),
            422,
            "version: no version is not supported; warroom accepts Alertmanager webhook "
            'version "4" only',
        ),
        (
            Source.GRAFANA,
            am_with(lambda p: None),
            422,
            "version: version '4' is not supported; warroom accepts Grafana webhook "
            'version "1" only',
        ),
        (
            Source.ALERTMANAGER,
            am_with(lambda p: p.update(alerts=[])),
            422,
            "alerts: the list is empty; send at least one alert",
        ),
        (
            Source.ALERTMANAGER,
            am_with(lambda p: p.update(alerts={})),
            422,
            "alerts: expected a list, got an object",
        ),
        (
            Source.ALERTMANAGER,
            am_with(lambda p: p["alerts"][1]["labels"].pop("alertname")),
            422,
            "alerts[1].labels.alertname: missing; every alert needs an alertname label",
        ),
        (
            Source.ALERTMANAGER,
            am_with(lambda p: p["alerts"][0].pop("labels")),
            422,
            "alerts[0].labels.alertname: missing; every alert needs an alertname label",
        ),
        (
            Source.ALERTMANAGER,
            am_with(lambda p: p["alerts"][0]["labels"].update(job=3)),
            422,
            "alerts[0].labels.job: expected a string, got a number",
        ),
        (
            Source.ALERTMANAGER,
            am_with(lambda p: p["alerts"][1].update(status="pending")),
            422,
            'alerts[1].status: expected "firing" or "resolved", got \'pending\'',
        ),
        (
            Source.ALERTMANAGER,
            am_with(lambda p: p["alerts"][0].pop("startsAt")),
            422,
            "alerts[0].startsAt: expected a non-empty string, got nothing",
        ),
        (
            Source.ALERTMANAGER,
            am_with(lambda p: p["alerts"][0].update(startsAt="yesterday")),
            422,
            "alerts[0].startsAt: 'yesterday' is not an RFC 3339 time; "
            "write e.g. 2026-11-20T14:02:11Z",
        ),
        (
            Source.ALERTMANAGER,
            am_with(lambda p: p["alerts"][0].update(startsAt="2026-11-20T14:02:11")),
            422,
            "alerts[0].startsAt: '2026-11-20T14:02:11' has no UTC offset; add Z or +hh:mm",
        ),
        (
            Source.ALERTMANAGER,
            am_with(lambda p: p.update(truncatedAlerts=-1)),
            422,
            "truncatedAlerts: expected a count (0 or more), got -1",
        ),
        (
            Source.GENERIC,
            {"alerts": [{"starts_at": "2026-11-20T14:02:11Z"}]},
            422,
            'alerts[0].name: missing; every alert needs a name, e.g. "Disk almost full"',
        ),
        (
            Source.GENERIC,
            {"alerts": [{"name": "Disk"}]},
            422,
            "alerts[0].starts_at: missing; give when the alert started (RFC 3339)",
        ),
        (Source.GENERIC, {"alerts": "Disk"}, 422, "alerts: expected a list, got a string"),
        (Source.GENERIC, b"[" * 100_000, 400, "the JSON is nested too deeply to read"),
        (
            Source.GENERIC,
            b'{"alerts": [' + b"7" * 5000 + b"]}",
            400,
            "the JSON holds a number that cannot be read: Exceeds the limit (4300 digits) for "
            "integer string conversion: value has 5000 digits; use sys.set_int_max_str_digits() "
            "to increase the limit",
        ),
        (
            Source.ALERTMANAGER,
            am_with(lambda p: p.update(truncatedAlerts=2**64)),
            422,
            "truncatedAlerts: 18446744073709551616 is more than 9223372036854775807",
        ),
        (
            Source.ALERTMANAGER,
            am_with(lambda p: p["alerts"][1]["labels"].update(instance="db\ud800")),
            422,
            "alerts[1].labels.instance: holds an unpaired surrogate (\\ud800); send valid Unicode",
        ),
        (
            Source.ALERTMANAGER,
            am_with(lambda p: p["alerts"][0]["annotations"].update({"\udfff": "x"})),
            422,
            "alerts[0].annotations.'\\udfff' (the key): holds an unpaired surrogate (\\udfff); "
            "send valid Unicode",
        ),
        (
            Source.ALERTMANAGER,
            am_with(lambda p: p["alerts"][0]["labels"].update(alertname="Disk\u0000full")),
            422,
            "alerts[0].labels.alertname: contains a NUL character (\\u0000); remove it",
        ),
        (
            Source.GENERIC,
            {"alerts": [{"name": "n" * 256, "starts_at": "2026-11-20T14:02:11Z"}]},
            422,
            "alerts[0].name: 256 characters long; an alert name has at most 255",
        ),
        (
            Source.ALERTMANAGER,
            am_with(lambda p: p["alerts"][1].update(startsAt="0001-01-01T00:00:00+05:00")),
            422,
            "alerts[1].startsAt: '0001-01-01T00:00:00+05:00' is out of range; a time from "
            "1970-01-01 to 9999-01-01 (UTC) is expected",
        ),
        (
            Source.GRAFANA,
            am_with(
                lambda p: (
                    p.update(version="1")
                    or p["alerts"][0].update(endsAt="9999-12-31T23:00:00-05:00")
                )
            ),
            422,
            "alerts[0].endsAt: '9999-12-31T23:00:00-05:00' is out of range; a time from "
            "1970-01-01 to 9999-01-01 (UTC) is expected",
        ),
        (
            Source.GENERIC,
            {"alerts": [{"name": "Disk", "starts_at": "1969-12-31T23:59:59Z"}]},
            422,
            "alerts[0].starts_at: '1969-12-31T23:59:59Z' is out of range; a time from "
            "1970-01-01 to 9999-01-01 (UTC) is expected",
        ),
        (
            Source.ALERTMANAGER,
            am_with(lambda p: p["alerts"][0].update(status="x" * 1000)),
            422,
            'alerts[0].status: expected "firing" or "resolved", got '
            "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…",
        ),
    ],
)
def test_bad_bodies_are_refused_naming_the_field(
    source: Source, body: Any, status: int, message: str
) -> None:
    assert refusal(source, body) == (status, message)


def outcome(source: Source, payload: Any) -> Batch | Rejected:
    try:
        return parse(source, payload)
    except Rejected as refused:
        return refused


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@given(source=st.sampled_from(list(Source)), payload=json_values)
def test_any_json_is_parsed_or_refused_with_a_4xx(source: Source, payload: Any) -> None:
    result = outcome(source, payload)
    assert isinstance(result, Batch) or result.status in (400, 422)


@given(
    alert=st.fixed_dictionaries(
        {"status": st.sampled_from(["firing", "resolved", "x", None])},
        optional={
            "labels": st.dictionaries(st.sampled_from(["alertname", "service"]), json_values),
            "startsAt": st.one_of(st.text(max_size=30), st.just("2026-11-20T14:02:11Z")),
            "endsAt": st.one_of(st.none(), st.text(max_size=30)),
            "fingerprint": json_values,
        },
    )
)
def test_any_alertmanager_alert_is_parsed_or_refused(alert: dict[str, Any]) -> None:
    result = outcome(Source.ALERTMANAGER, {"version": "4", "alerts": [alert]})
    if isinstance(result, Rejected):
        assert result.status == 422
        assert result.message.startswith("alerts[0].")
