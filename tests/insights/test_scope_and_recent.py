"""The insights' scope from a query string (defaults, bad input named), and the figures kept
for a minute per scope and set of visible private incidents."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from urllib.parse import parse_qsl

from bot.insights.domain.scope import Scope, default_since, parse_scope
from bot.insights.web.charts import Section
from bot.insights.web.insights import Figures, RecentFigures
from bot.insights.web.warmup import Warmup

TODAY = date(2026, 12, 3)


def test_the_default_scope_is_the_last_twelve_calendar_months() -> None:
    assert parse_scope({}, TODAY) == (Scope(date(2026, 1, 1), TODAY), [])
    assert default_since(date(2026, 3, 31)) == date(2025, 4, 1)
    scope, problems = parse_scope(
        {"since": "2025-02-01", "until": "2025-02-28", "service": " a "}, TODAY
    )
    assert (scope, problems) == (Scope(date(2025, 2, 1), date(2025, 2, 28), "a"), [])
    assert scope.params() == "since=2025-02-01&until=2025-02-28&service=a"


def test_bad_input_is_named_and_replaced_by_the_default() -> None:
    cases = {
        "since=monday": "From must be a date like 2026-01-31, not 'monday'.",
        "until=9999-12-31": "To must be between 1970-01-01 and 2999-12-31, not 9999-12-31.",
        "since=2026-05-01&until=2026-01-01": "The From date is after the To date",
        "since=2020-01-01": "A range is at most 1098 days",
        "service=a%00b": "A service name has no control characters",
    }
    for query, problem in cases.items():
        scope, problems = parse_scope(dict(parse_qsl(query)), TODAY)
        assert len(problems) == 1, query
        assert problems[0].startswith(problem), problems
        assert (scope.until - scope.since).days < 1098
        assert not scope.service


def test_figures_are_kept_per_scope_and_visible_private_incidents_and_refreshed() -> None:
    now = [0.0]
    spawned: list[Callable[[], None]] = []
    computed: list[str] = []

    def compute(scope: Scope, shown: tuple[int, ...], why: str) -> Figures:
        computed.append(why)
        return Figures({"x": Section("x", "X", "", [], [], [])}, len(computed), 0)

    recent = RecentFigures(
        compute, fresh=60, stale=600, kept=2, monotonic=lambda: now[0], spawn=spawned.append
    )
    a, b = Scope(date(2026, 1, 1), TODAY), Scope(date(2026, 2, 1), TODAY)
    assert recent.get(a, ()).incidents == 1
    assert recent.get(a, ()).incidents == 1  # kept
    assert recent.get(a, (7,)).incidents == 2  # a member of private incident 7
    now[0] = 61
    assert recent.get(a, ()).incidents == 1  # stale: served while computed again
    assert recent.get(a, ()).incidents == 1
    assert len(spawned) == 2
    spawned[0]()
    spawned[1]()  # someone already computed it: not again
    assert computed == ["view", "view", "refresh"]
    assert recent.get(a, ()).incidents == 3
    now[0] = 1000  # too old to serve: computed before answering
    assert recent.get(a, ()).incidents == 4
    recent.get(b, ())
    recent.get(a, (7,))  # evicts the least recently used
    assert recent.get(a, ()).incidents == 7


def test_the_warmup_computes_the_default_scope_once_there_are_incidents_then_the_most_viewed() -> (
    None
):
    now = [0.0]
    computed: list[tuple[Scope, tuple[int, ...], str]] = []

    def compute(scope: Scope, shown: tuple[int, ...], why: str) -> Figures:
        computed.append((scope, shown, why))
        return Figures({}, len(computed), 0)

    recent = RecentFigures(
        compute, fresh=60, stale=600, monotonic=lambda: now[0], spawn=lambda work: None
    )
    default, viewed = Scope(date(2026, 1, 1), TODAY), Scope(date(2026, 9, 1), TODAY)
    incidents = [False]
    warmup = Warmup(recent, lambda: default, lambda: incidents[0], every=60)
    assert warmup.round() == -1  # no incident: nothing read
    assert computed == []
    incidents[0] = True
    assert warmup.round() == 1
    assert recent.get(default, ()).incidents == 1  # a first view, served what was warmed
    assert computed == [(default, (), "warm-up")]
    recent.get(viewed, (7,))
    recent.get(viewed, (7,))
    now[0] = 30
    assert warmup.round() == 0  # all young enough
    now[0] = 90
    assert warmup.round() == 2  # both viewed lately: kept within a minute
    assert computed[-2:] == [(default, (), "warm-up"), (viewed, (7,), "warm-up")]
    now[0] = 800  # nobody looked for ten minutes: the default within 300 s, the other let go
    assert warmup.round() == 1
    now[0] = 900
    assert warmup.round() == 0
    assert recent.get(default, ()).incidents == 5  # served at once, however quiet it was
