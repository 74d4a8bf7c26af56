"""The incident list's query string, parsed into a typed :class:`ListQuery` (or the reasons it
cannot be), and turned back into links (sort headers, next and previous pages)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import urlencode

from bot.incidents.domain.lifecycle import Status
from bot.incidents.domain.severity import Severity

PAGE_SIZE = 50
MAX_PAGE = 100_000
MAX_TEXT = 200
SORTS = ("number", "declared", "severity", "status", "service", "title")
STATUSES = tuple(s.value for s in Status)
SEVERITIES = tuple(s.value for s in Severity)


@dataclass(frozen=True)
class ListQuery:
    status: str = ""
    severity: str = ""
    service: str = ""
    since: date | None = None
    until: date | None = None
    text: str = ""
    sort: str = "declared"
    descending: bool = True
    page: int = 1

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_SIZE

    def params(self, **changes: object) -> str:
        """This query's string with ``changes``, leaving out what is at its default."""
        changed = replace(self, **changes)  # type: ignore[arg-type]
        pairs = {
            "status": changed.status,
            "severity": changed.severity,
            "service": changed.service,
            "since": changed.since.isoformat() if changed.since else "",
            "until": changed.until.isoformat() if changed.until else "",
            "q": changed.text,
            "sort": "" if changed.sort == "declared" else changed.sort,
            "dir": "" if changed.descending else "asc",
            "page": "" if changed.page == 1 else str(changed.page),
        }
        return urlencode({k: v for k, v in pairs.items() if v})

    def sorted_by(self, column: str) -> str:
        """The link of a column header: sort by it, or flip the order when it already is."""
        descending = not self.descending if column == self.sort else column != "title"
        return self.params(sort=column, descending=descending, page=1)


def parse(params: Mapping[str, str]) -> tuple[ListQuery, list[str]]:
    """The query, and what was wrong with the string (each bad part is left at its default)."""
    problems: list[str] = []
    status = _one_of(params.get("status", ""), STATUSES, "status", problems)
    severity = _one_of(params.get("severity", "").upper(), SEVERITIES, "severity", problems)
    sort = _one_of(params.get("sort", ""), SORTS, "sort", problems) or "declared"
    since = _date(params.get("since", ""), "From", problems)
    until = _date(params.get("until", ""), "To", problems)
    if since and until and since > until:
        problems.append("The From date is after the To date.")
    page = params.get("page", "1")
    if not (page.isdigit() and 1 <= int(page) <= MAX_PAGE):
        problems.append(f"Page must be a number from 1 to {MAX_PAGE}.")
        page = "1"
    query = ListQuery(
        status=status,
        severity=severity,
        service=_plain(
            params.get("service", "").strip()[:100], "service", "every service", problems
        ),
        since=since,
        until=until,
        text=_plain(params.get("q", "").strip()[:MAX_TEXT], "title text", "any title", problems),
        sort=sort,
        descending=params.get("dir", "desc") != "asc",
        page=int(page),
    )
    return query, problems


def _plain(value: str, name: str, instead: str, problems: list[str]) -> str:
    """``value``, or nothing when it holds control characters (a NUL is refused by PostgreSQL)."""
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        problems.append(f"The {name} has control characters: showing {instead}.")
        return ""
    return value


def _one_of(value: str, allowed: tuple[str, ...], name: str, problems: list[str]) -> str:
    if value and value not in allowed:
        problems.append(f"Unknown {name} {value[:40]!r}: choose one of {', '.join(allowed)}.")
        return ""
    return value


def _date(value: str, name: str, problems: list[str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"{name} must be a date like 2026-01-31, not {value[:40]!r}.")
        return None
