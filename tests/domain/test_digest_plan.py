"""The monthly digest's times: which day and instant it is posted, and which month it reports."""

from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from bot.insights.digest_config import check_digest, load_digest
from bot.insights.domain.digest import DigestPlan, Month, next_digest

FIRST = DigestPlan("#sre", 1, time(9, 0))


def test_the_first_at_nine_reports_the_month_before() -> None:
    due, month = next_digest(FIRST, datetime(2026, 12, 3, 4, tzinfo=UTC))
    assert (due, month) == (datetime(2027, 1, 1, 9, tzinfo=UTC), Month(2026, 12))
    # Exactly at the posting time: the next one.
    due, month = next_digest(FIRST, datetime(2027, 1, 1, 9, tzinfo=UTC))
    assert (due, month) == (datetime(2027, 2, 1, 9, tzinfo=UTC), Month(2027, 1))


def test_a_day_past_the_month_s_end_is_its_last_day() -> None:
    plan = DigestPlan("#sre", 31, time(18, 30))
    due, month = next_digest(plan, datetime(2027, 2, 1, tzinfo=UTC))
    assert (due, month) == (datetime(2027, 2, 28, 18, 30, tzinfo=UTC), Month(2027, 1))


def test_a_zone_s_wall_clock_holds_across_dst() -> None:
    plan = DigestPlan("#sre", 1, time(9, 0), "Europe/Berlin")
    march, _ = next_digest(plan, datetime(2027, 2, 15, tzinfo=UTC))
    april, reported = next_digest(plan, march)
    assert march == datetime(2027, 3, 1, 8, tzinfo=UTC)  # 09:00 CET
    assert (april, reported) == (datetime(2027, 4, 1, 7, tzinfo=UTC), Month(2027, 3))  # CEST
    assert (reported.first.isoformat(), reported.last.isoformat()) == ("2027-03-01", "2027-03-31")


def test_the_file_is_read_and_every_error_named_with_its_line(tmp_path: Path) -> None:
    assert load_digest(tmp_path) is None
    (tmp_path / "insights.yaml").write_text(
        'digest: {channel: "#sre", day: 2, time: "18:05", time_zone: Asia/Tokyo}\n'
    )
    assert load_digest(tmp_path) == DigestPlan("#sre", 2, time(18, 5), "Asia/Tokyo")
    (tmp_path / "insights.yaml").write_text(
        "digest:\n  channel: sre\n  day: 40\n  time: 9am\n  time_zone: Mars/Olympus\n"
    )
    errors = [(e.line, e.field, e.message) for e in check_digest(tmp_path)]
    assert errors == [
        (2, "digest.channel", "'sre' is not a Slack channel"),
        (3, "digest.day", "day 40 is not a day of the month"),
        (4, "digest.time", "'9am' is not a time"),
        (5, "digest.time_zone", "unknown time zone 'Mars/Olympus'"),
    ]
    (tmp_path / "insights.yaml").write_text("digest: {chanel: '#sre'}\n")
    assert [e.line for e in check_digest(tmp_path)] == [1, 1]


@pytest.mark.parametrize("text", ["", "digest:\n", "# nothing\n"])
def test_an_empty_file_posts_nothing(tmp_path: Path, text: str) -> None:
    (tmp_path / "insights.yaml").write_text(text)
    assert load_digest(tmp_path) is None
    assert check_digest(tmp_path) == []
