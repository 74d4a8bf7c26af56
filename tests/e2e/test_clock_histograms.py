"""Time to acknowledge, mitigate and resolve on /metrics: incidents declared, acknowledged and
resolved through signed Slack requests, then /metrics scraped as Prometheus scrapes it."""

from __future__ import annotations

from datetime import timedelta

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot.composition import build
from tests.e2e.conftest import Bot, e2e_settings, eventually
from warroom_sandbox.server import BackgroundServer

ACK = "warroom_incident_time_to_acknowledge_seconds"
MITIGATE = "warroom_incident_time_to_mitigate_seconds"
RESOLVE = "warroom_incident_time_to_resolve_seconds"

Histograms = dict[tuple[str, str, str], dict[str, float]]


def scrape(url: str) -> tuple[str, Histograms]:
    """The exposition text and every clock histogram: (metric, service, severity) -> the
    cumulative bucket counts by ``le``, plus ``count`` and ``sum``."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    found: Histograms = {}
    for family in text_string_to_metric_families(text):
        if family.name not in (ACK, MITIGATE, RESOLVE):
            continue
        for sample in family.samples:
            series = found.setdefault(
                (family.name, sample.labels["service"], sample.labels["severity"]), {}
            )
            if sample.name.endswith("_bucket"):
                series[sample.labels["le"]] = sample.value
            else:
                series[sample.name.rsplit("_", 1)[1]] = sample.value
    return text, found


def counted(url: str, metric: str, service: str, severity: str, count: int) -> dict[str, float]:
    """Wait for the series to count ``count`` observations (a command applies after its 200)."""

    def probe() -> dict[str, float] | None:
        series = scrape(url)[1].get((metric, service, severity), {})
        return series if series.get("count") == count else None

    return eventually(probe, what=f"{metric}{{{service},{severity}}} counting {count}")


def first_bucket(series: dict[str, float]) -> str:
    """The smallest bound whose bucket holds an observation."""
    return min((le for le, n in series.items() if le[0].isdigit() and n), key=float)


def test_each_clock_is_observed_once_in_the_bucket_of_its_duration(bot: Bot) -> None:
    channel = bot.declare("Checkout latency high sev2 service:checkout-api")
    bot.clock.advance(timedelta(minutes=3))
    bot.command(channel, "ack")
    ack = counted(bot.url, ACK, "checkout-api", "SEV2", 1)
    assert first_bucket(ack) == "300.0"  # 3 minutes: in (120 s, 300 s]
    assert ack["120.0"] == 0
    assert ack["+Inf"] == 1
    assert 180 <= ack["sum"] < 240

    bot.clock.advance(timedelta(minutes=20))
    bot.command(channel, "mitigate")
    mitigate = counted(bot.url, MITIGATE, "checkout-api", "SEV2", 1)
    assert first_bucket(mitigate) == "1800.0"  # 23 minutes
    bot.clock.advance(timedelta(hours=26))
    bot.command(channel, "resolve Rolled back")
    resolve = counted(bot.url, RESOLVE, "checkout-api", "SEV2", 1)
    assert first_bucket(resolve) == "172800.0"  # a day and two hours: in (1 d, 2 d]
    assert resolve["86400.0"] == 0

    # Reopened and resolved again: the clocks keep their first instants, nothing is added.
    bot.command(channel, "reopen Errors are back")
    bot.posted(channel.id, "Errors are back")
    bot.clock.advance(timedelta(minutes=5))
    bot.command(channel, "resolve Really fixed")
    bot.posted(channel.id, "Really fixed")
    text, histograms = scrape(bot.url)
    assert histograms[(RESOLVE, "checkout-api", "SEV2")]["count"] == 1
    assert histograms[(MITIGATE, "checkout-api", "SEV2")]["count"] == 1
    assert histograms[(ACK, "checkout-api", "SEV2")]["count"] == 1
    assert "# TYPE warroom_incident_time_to_resolve_seconds histogram" in text


def test_resolving_at_once_sets_mitigate_and_resolve_and_a_second_incident_adds_up(
    bot: Bot,
) -> None:
    first = bot.declare("Checkout latency high sev2 service:checkout-api")
    second = bot.declare("Checkout errors sev2 service:checkout-api")
    bot.clock.advance(timedelta(seconds=40))
    bot.command(first, "resolve")
    counted(bot.url, RESOLVE, "checkout-api", "SEV2", 1)  # applied before the clock moves on
    bot.clock.advance(timedelta(hours=3))
    bot.command(second, "resolve")
    resolve = counted(bot.url, RESOLVE, "checkout-api", "SEV2", 2)
    mitigate = counted(bot.url, MITIGATE, "checkout-api", "SEV2", 2)
    assert resolve == mitigate  # resolving sets a missing mitigation at the same instant
    assert resolve["30.0"] == 0
    assert resolve["60.0"] == 1  # 40 seconds
    assert resolve["7200.0"] == 1
    assert resolve["14400.0"] == 2  # 3 hours
    assert scrape(bot.url)[1][(ACK, "checkout-api", "SEV2")]["count"] == 0  # nobody acked


def test_a_private_incident_is_counted_under_no_service(bot: Bot) -> None:
    channel = bot.declare("Payroll data exposed sev1 service:checkout-api --private")
    bot.clock.advance(timedelta(minutes=9))
    bot.command(channel, "resolve")
    resolve = counted(bot.url, RESOLVE, "none", "SEV1", 1)
    assert first_bucket(resolve) == "600.0"
    text, histograms = scrape(bot.url)
    assert {s for (_, s, _), series in histograms.items() if series["count"]} == {"none"}
    assert "Payroll" not in text


def test_configured_services_start_at_zero_so_a_first_incident_is_not_lost_to_increase(
    bot: Bot,
) -> None:
    histograms = eventually(lambda: scrape(bot.url)[1], what="the histograms")
    for metric in (ACK, MITIGATE, RESOLVE):
        for service in ("checkout-api", "none"):
            for severity in ("SEV1", "SEV2", "SEV3", "SEV4"):
                series = histograms[(metric, service, severity)]
                assert series["count"] == series["+Inf"] == series["sum"] == 0


def test_another_replica_and_a_restart_report_the_same_counts(bot: Bot, database_url: str) -> None:
    channel = bot.declare("Checkout latency high sev3 service:checkout-api")
    bot.clock.advance(timedelta(minutes=30))
    bot.command(channel, "resolve")
    counted(bot.url, RESOLVE, "checkout-api", "SEV3", 1)
    before = scrape(bot.url)[1]

    # A second replica (or this one after a restart) reads the same rows: nothing lost or doubled.
    settings = e2e_settings(bot.slack, database_url)
    other = build(settings, clock=bot.clock, migrate=False)
    try:
        with BackgroundServer(other.asgi) as server:
            assert scrape(server.url)[1] == before
    finally:
        other.engine.dispose()
    assert scrape(bot.url)[1] == before
