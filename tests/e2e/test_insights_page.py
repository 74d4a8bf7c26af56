"""``/insights`` over real HTTP on a seeded year (tests/insights/history.py: 1,000 incidents over
12 services and 4 schedules, with alerts, pages and acknowledgements): the figures on the page and
in each CSV equal those computed here by hand from the generated rows; no page or CSV without a
session; a private incident counts only for members of its channel (docs/insights.md)."""

from __future__ import annotations

import csv
import io
import re
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import Engine

from bot.insights.domain.scope import default_since
from tests.e2e import test_webapp as webapp
from tests.e2e.conftest import LEAD, Bot, metrics_showing
from tests.insights.history import PEOPLE, SeededHistory, generate, insert_history

web, web_settings, http = webapp.web, webapp.web_settings, webapp.http
sign_in = webapp.sign_in
SCOPE = "since=2025-01-01&until=2025-12-31"
Row = dict[str, Any]


@pytest.fixture
def seeded(engine: Engine) -> SeededHistory:
    history = generate(seed=16)
    insert_history(engine, history)
    return history


def page_table(html: str, slug: str) -> list[list[str]]:
    """A section's table as the page shows it: header row, then the data rows."""
    table = html.split(f'<table id="{slug}-table">')[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    found = [[unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)] for r in rows]
    return [r for r in found if r != ["Nothing in this scope."]]


def download(http: httpx.Client, web: Bot, slug: str, scope: str = SCOPE) -> list[list[str]]:
    answer = http.get(f"{web.url}/insights/{slug}.csv?{scope}")
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["content-type"].startswith("text/csv")
    assert f"warroom-{slug}-" in answer.headers["content-disposition"]
    return list(csv.reader(io.StringIO(answer.text)))


def minutes(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds / 60:.1f}"


def p90(values: list[float]) -> float:
    # numpy's default percentile: linear between closest ranks ("inclusive" quantiles).
    return (
        values[0]
        if len(values) == 1
        else statistics.quantiles(values, n=10, method="inclusive")[-1]
    )


def spread(values: list[float]) -> list[str]:
    if not values:
        return ["", ""]
    return [minutes(statistics.median(values)), minutes(p90(values))]


def after(row: Row, clock: str, start: str = "declared_at") -> float | None:
    if row[clock] is None:
        return None
    return max(0.0, float((row[clock] - row[start]).total_seconds()))


def month(at: datetime) -> str:
    return at.strftime("%Y-%m")


def by(rows: Iterable[Row], key: Callable[[Row], str]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[key(row)].append(row)
    return grouped


def expected_mttx(incidents: list[Row], key: Callable[[Row], str]) -> dict[str, list[str]]:
    rows = {}
    for group, members in by(incidents, key).items():
        cells = [str(len(members))]
        for clock in ("acknowledged_at", "mitigated_at", "resolved_at"):
            cells += spread([s for m in members if (s := after(m, clock)) is not None])
        rows[group] = [group, *cells]
    return rows


def test_figures_on_the_page_and_in_csv_equal_those_computed_by_hand(
    web: Bot, http: httpx.Client, seeded: SeededHistory
) -> None:
    sign_in(http, web)  # Olivia: a member of no private incident's channel
    page = http.get(f"{web.url}/insights?{SCOPE}")
    assert page.status_code == 200
    html = page.text
    shown = [i for i in seeded.incidents if not i["private"]]
    assert len(shown) < len(seeded.incidents)  # some are private
    assert f"{len(shown):,} incidents declared" in html
    assert html.count('role="img"') >= 11

    def check(slug: str, expected: list[list[str]]) -> None:
        table = page_table(html, slug)
        whole = download(http, web, slug)
        assert whole[: len(table)] == table  # the page shows the CSV's first 100 rows
        assert len(table) == min(len(whole), 101)
        assert whole[1:] == expected, slug

    # MTTA, MTTM, MTTR by service and by severity (every group has incidents).
    for slug, key in (("mttx-service", "service"), ("mttx-severity", "severity")):
        groups = expected_mttx(shown, lambda i, key=key: i[key])  # type: ignore[misc]
        check(slug, [groups[g] for g in sorted(groups)])
    by_month = expected_mttx(shown, lambda i: month(i["declared_at"]))
    check("mttx-month", [by_month[m] for m in sorted(by_month)])

    severities = ("SEV1", "SEV2", "SEV3", "SEV4")
    counts = by(shown, lambda i: month(i["declared_at"]))
    check(
        "severity-month",
        [
            [
                m,
                *(str(sum(1 for i in counts[m] if i["severity"] == s)) for s in severities),
                str(len(counts[m])),
            ]
            for m in sorted(counts)
        ],
    )

    detect = []
    for m in sorted(counts):
        values = [
            (i["declared_at"] - i["detected_at"]).total_seconds()
            for i in counts[m]
            if i["detected_at"]
        ]
        detect.append([m, str(len(values)), *spread(values)])
    check("detect-month", detect)

    resolved = sorted(
        (i for i in shown if i["resolved_at"]),
        key=lambda i: (-(i["resolved_at"] - i["declared_at"]).total_seconds(), i["id"]),
    )[:10]
    check(
        "longest",
        [
            [
                str(i["id"]),
                i["title"],
                i["severity"],
                i["service"],
                i["declared_at"].strftime("%Y-%m-%d %H:%M"),
                minutes((i["resolved_at"] - i["declared_at"]).total_seconds()),
            ]
            for i in resolved
        ],
    )

    months = {i["id"]: month(i["declared_at"]) for i in shown}
    items = by(
        (a for a in seeded.items if a["incident_id"] in months), lambda a: months[a["incident_id"]]
    )
    check(
        "followups",
        [
            [
                m,
                str(len(items[m])),
                str(done := sum(1 for a in items[m] if a["done_at"])),
                f"{done / len(items[m]) * 100:.1f}",
            ]
            for m in sorted(items)
        ],
    )

    private = {i["id"] for i in seeded.incidents if i["private"]}
    alerts = [a for a in seeded.alerts if a["incident_id"] not in private]
    service_of = {g["id"]: g["service"] for g in seeded.groups}
    per_service = by(alerts, lambda a: service_of[a["group_id"]])
    want = [
        [
            s,
            str(len(a)),
            str(opened := sum(1 for x in a if x["incident_id"])),
            f"{opened / len(a) * 100:.1f}",
        ]
        for s, a in per_service.items()
    ]
    check("alerts-service", sorted(want, key=lambda r: (-int(r[1]), r[0])))

    # Night pages nobody acknowledged: in the paged person's zone, 22:00 to 07:00.
    zones = dict(PEOPLE)
    paged = by(seeded.deliveries, lambda d: str(d["page_id"]))
    rules = by((a for a in alerts if a["incident_id"]), lambda a: str(a["incident_id"]))
    service = {i["id"]: i["service"] for i in shown}
    night: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for p in seeded.pages:
        if p["incident_id"] not in service or str(p["incident_id"]) not in rules:
            continue
        hours = [
            p["started_at"].astimezone(ZoneInfo(zones[d["user_ref"]])).hour
            for d in paged[str(p["id"])]
        ]
        if not any(h >= 22 or h < 7 for h in hours):
            continue
        for rule in {a["name"] for a in rules[str(p["incident_id"])]}:
            night[(rule, service[p["incident_id"]])][0] += 1
            night[(rule, service[p["incident_id"]])][1] += p["acknowledged_at"] is None
    want = [[r, s, str(n), str(u)] for (r, s), (n, u) in night.items()]
    check("night-pages", sorted(want, key=lambda r: (-int(r[3]), -int(r[2]), r[0], r[1])))

    # Flapping: each row's alert really fired and resolved that often within six hours.
    flapping = page_table(html, "flapping")[1:]
    assert flapping
    for rule, svc, fingerprint, firings, most, first in flapping:
        same = [
            a
            for a in alerts
            if (a["name"], service_of[a["group_id"]], a["fingerprint"]) == (rule, svc, fingerprint)
        ]
        assert len(same) == int(firings)
        fired = sorted(a["starts_at"] for a in same if a["ends_at"])
        start = next(t for t in fired if t.strftime("%Y-%m-%d %H:%M") == first)
        within = [t for t in fired if start <= t <= start + timedelta(hours=6)]
        assert len(within) == int(most) >= 3


def test_a_service_filter_applies_to_every_chart(
    web: Bot, http: httpx.Client, seeded: SeededHistory
) -> None:
    sign_in(http, web)
    scope = f"{SCOPE}&service=search"
    html = http.get(f"{web.url}/insights?{scope}").text
    shown = [i for i in seeded.incidents if not i["private"] and i["service"] == "search"]
    assert f"{len(shown):,} incidents declared" in html
    assert [r[0] for r in download(http, web, "mttx-service", scope)[1:]] == ["search"]
    assert {r[1] for r in download(http, web, "alerts-rule", scope)[1:]} == {"search"}
    assert sum(int(r[-1]) for r in download(http, web, "severity-month", scope)[1:]) == len(shown)


def test_a_private_incident_counts_only_for_members_of_its_channel(
    web: Bot, http: httpx.Client, engine: Engine
) -> None:
    history = generate(seed=3, count=20, noise=0)
    for row in history.incidents:
        row["private"] = False
    secret = web.slack.state.create_channel(
        "inc-secret", creator=LEAD, is_private=True, members=[LEAD, web.slack.state.bot_user_id]
    )
    hidden = history.incidents[0]
    hidden.update(private=True, channel_id=secret.id, title="Secret merger outage")
    hidden.update(resolved_at=hidden["declared_at"].replace(year=2026))  # the longest by far
    insert_history(engine, history)

    sign_in(http, web)  # Olivia: not in the channel
    html = http.get(f"{web.url}/insights?{SCOPE}").text
    assert "19 incidents declared" in html
    assert "Secret merger" not in html
    for slug in ("longest", "severity-month", "mttx-service", "alerts-rule", "night-pages"):
        text = http.get(f"{web.url}/insights/{slug}.csv?{SCOPE}").text
        assert "Secret merger" not in text
    total = sum(int(r[-1]) for r in download(http, web, "severity-month")[1:])
    assert total == 19
    alerts = sum(int(r[1]) for r in download(http, web, "alerts-service")[1:])
    assert alerts == sum(1 for a in history.alerts if a["incident_id"] != hidden["id"])

    http.cookies.clear()
    sign_in(http, web, LEAD)  # Liam is in the channel
    assert "20 incidents declared" in http.get(f"{web.url}/insights?{SCOPE}").text
    assert download(http, web, "longest")[1][1] == "Secret merger outage"


def test_no_insights_or_csv_without_a_session_and_bad_input_is_named(
    web: Bot, http: httpx.Client
) -> None:
    for path in ("/insights", "/insights/mttx-month.csv", "/insights/nothing.csv"):
        answer = http.get(f"{web.url}{path}?{SCOPE}")
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/auth/slack/signin?next=")
    sign_in(http, web)
    page = http.get(f"{web.url}/insights")
    assert page.status_code == 200
    assert 'href="/insights"' in page.text  # the nav links it
    assert "No incidents" not in page.text
    missing = http.get(f"{web.url}/insights/nothing.csv")
    assert missing.status_code == 404
    assert "There is no chart &#39;nothing&#39;: choose one of mttx-month" in missing.text
    for hostile in (
        "since=yesterday",
        "since=2026-05-01&until=2026-01-01",
        "since=1900-01-01&until=2026-01-01",
        "service=%00%ff" + "x" * 500,
        "until=9999-12-31",
    ):
        answer = http.get(f"{web.url}/insights?{hostile}")
        assert answer.status_code == 200, hostile
    named = http.get(f"{web.url}/insights?since=yesterday").text
    assert "From must be a date like 2026-01-31, not &#39;yesterday&#39;." in named


def test_the_default_scope_is_computed_before_anyone_asks_for_it(
    web: Bot, http: httpx.Client, engine: Engine
) -> None:
    """The server started on an empty database (the warm-up computed nothing); once a year of
    history is stored, the default scope (the last twelve months) is computed with no view
    asking, and the first person to open /insights is served those figures."""
    today = web.clock().date()
    start = datetime.combine(today - timedelta(days=364), datetime.min.time(), UTC)
    history = generate(seed=5, count=200, start=start, noise=100)
    insert_history(engine, history)
    since = default_since(today)
    shown = [i for i in history.incidents if not i["private"] and i["declared_at"].date() >= since]

    metrics_showing(web.url, 'warroom_insights_computations_total{why="warm-up"} 1.0')
    sign_in(http, web)  # Olivia: a member of no private incident's channel
    page = http.get(f"{web.url}/insights")
    assert page.status_code == 200
    assert f"{len(shown):,} incidents declared" in page.text
    counted = http.get(f"{web.url}/metrics").text
    assert 'warroom_insights_computations_total{why="view"} 0.0' in counted
