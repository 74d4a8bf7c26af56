"""The pure core: which change re-announces, what the post says, what a follower is told."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.announcements.domain import Post, at_least, reannounces, render
from bot.announcements.domain.follow import change_lines
from bot.incidents.domain.incident import Incident
from bot.incidents.domain.lifecycle import Status
from bot.incidents.domain.severity import Severity

SEV1, SEV2, SEV3, SEV4 = Severity.SEV1, Severity.SEV2, Severity.SEV3, Severity.SEV4
T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
INCIDENT = Incident(7, "Checkout <down>", SEV2, Status.INVESTIGATING, "U0A", "U0A", T0, "checkout")


@pytest.mark.parametrize(
    ("before", "after", "threshold", "expected"),
    [
        (SEV2, SEV1, SEV1, True),
        (SEV3, SEV1, SEV2, True),  # past the threshold counts
        (SEV3, SEV2, SEV1, False),  # more severe, not severe enough
        (SEV1, SEV2, SEV1, False),  # less severe never re-announces
        (SEV1, SEV1, SEV1, False),
        (SEV2, SEV1, None, False),  # not configured
    ],
)
def test_reannounces_only_when_escalating_to_the_threshold(
    before: Severity, after: Severity, threshold: Severity | None, expected: bool
) -> None:
    assert reannounces(before, after, threshold) is expected


def test_at_least_orders_sev1_first() -> None:
    assert at_least(SEV1, SEV2)
    assert at_least(SEV2, SEV2)
    assert not at_least(SEV3, SEV2)


def test_the_post_shows_the_incident_and_escapes_its_title() -> None:
    text, blocks = render(Post(INCIDENT, "C0INC", "Rolled back"), T0 + timedelta(minutes=75))
    shown = str(blocks)
    assert "Checkout &lt;down&gt;" in shown
    assert "<down>" not in shown
    assert "1 h 15 min so far" in shown
    assert "<#C0INC>" in shown
    assert "Rolled back" in shown
    assert "declared" in text
    actions = [e["action_id"] for e in blocks[-1]["elements"]]
    assert actions == ["announcements.join", "announcements.follow"]


def test_a_resolved_post_says_how_long_it_lasted_and_offers_no_join() -> None:
    done = replace(INCIDENT, status=Status.RESOLVED, resolved_at=T0 + timedelta(days=1, minutes=3))
    text, blocks = render(Post(done, "C0INC", headline="escalated to SEV1"), T0)
    assert "resolved" in text
    assert "lasted 1 d 3 min" in str(blocks)
    assert [e["action_id"] for e in blocks[-1]["elements"]] == ["announcements.follow"]


def test_a_follower_hears_each_change_and_nothing_else() -> None:
    later = T0 + timedelta(minutes=42)
    after = replace(INCIDENT, status=Status.RESOLVED, resolved_at=later, severity=SEV1)
    assert change_lines(INCIDENT, after, None) == ["resolved after 42 min", "severity SEV2 -> SEV1"]
    updated = replace(INCIDENT, last_update_at=later)
    assert change_lines(INCIDENT, updated, "Rolled back") == ["update: Rolled back"]
    assert change_lines(INCIDENT, INCIDENT, "Rolled back") == []  # no new update
