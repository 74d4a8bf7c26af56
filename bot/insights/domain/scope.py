"""The insights' filter: a date range (UTC dates, both included) and optionally one service,
parsed from a query string (with what was wrong with it) and turned back into one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

MAX_DAYS = 3 * 366  # a range longer than this is cut to its last MAX_DAYS days
MAX_SERVICE = 100
EARLIEST, LATEST = date(1970, 1, 1), date(2999, 12, 31)


@dataclass(frozen=True)
class Scope:
    since: date
    until: date
    service: str = ""

    def params(self) -> str:
        pairs = {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "service": self.service,
        }
        return urlencode({k: v for k, v in pairs.items() if v})


def default_since(today: date) -> date:
    """The first day of the month eleven months back: twelve calendar months with this one."""
    month = today.month - 11
    year = today.year
    if month < 1:
        month, year = month + 12, year - 1
    return date(year, month, 1)


def parse_scope(params: Mapping[str, str], today: date) -> tuple[Scope, list[str]]:
    """The scope, and what was wrong with the string (a bad part falls back to its default:
    the last twelve calendar months, every service)."""
    problems: list[str] = []
    since = _date(params.get("since", ""), "From", problems) or default_since(today)
    until = _date(params.get("until", ""), "To", problems) or today
    if since > until:
        problems.append("The From date is after the To date: showing the last twelve months.")
        since, until = default_since(today), today
    if (until - since).days >= MAX_DAYS:
        problems.append(f"A range is at most {MAX_DAYS} days: showing the last {MAX_DAYS}.")
        since = until - timedelta(days=MAX_DAYS - 1)
    service = params.get("service", "").strip()[:MAX_SERVICE]
    if any(ord(c) < 32 or ord(c) == 127 for c in service):
        problems.append("A service name has no control characters: showing every service.")
        service = ""
    return Scope(since, until, service), problems


def _date(value: str, name: str, problems: list[str]) -> date | None:
    if not value:
        return None
    try:
        found = date.fromisoformat(value)
    except ValueError:
        problems.append(f"{name} must be a date like 2026-01-31, not {value[:40]!r}.")
        return None
    if not EARLIEST <= found <= LATEST:
        problems.append(f"{name} must be between {EARLIEST} and {LATEST}, not {found}.")
        return None
    return found
