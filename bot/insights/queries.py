"""What the web app reads: a page of the incident list, and one incident with its timeline, pages,
alerts, playbook runs and action items (one query each, never one per row). Read-only; every
filter and sort column is indexed (``bot/incidents/rows.py``)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import ColumnElement, Engine, column, func, or_, select, table, text
from sqlalchemy.orm import Session, aliased

from bot.alerts.rows import AlertGroupRow, AlertRow
from bot.incidents import repo
from bot.incidents.domain.timeline import TimelineEvent
from bot.incidents.rows import ActionItemRow, IncidentRow
from bot.insights.domain.filters import PAGE_SIZE, ListQuery
from bot.paging.rows import DeliveryRow, PageRow
from bot.playbooks.rows import PlaybookRunRow, PlaybookStepRow
from bot.postmortems.rows import FollowupRow, PostmortemRow

COUNT_CAP = 10_000
# Up to this many matches of a text filter, PostgreSQL sorts the matches instead of walking
# the declared_at index in search of them (see ``incident_list``).
FEW_MATCHES = 2_000
# SQLite's trigram FTS5 index of the titles (migration 0021): it needs 3 characters of text.
TITLE_SEARCH = "incident_title_search"
TRIGRAM = 3
_title_search = table(TITLE_SEARCH, column("rowid"), column("title"))
_SORT_COLUMNS: dict[str, Any] = {
    "number": IncidentRow.id,
    "declared": IncidentRow.declared_at,
    "severity": IncidentRow.severity,
    "status": IncidentRow.status,
    "service": IncidentRow.service,
    "title": IncidentRow.title,
}


@dataclass(frozen=True)
class ListPage:
    rows: list[IncidentRow]
    total: int
    more: bool = False  # more than ``total`` match


@dataclass(frozen=True)
class PageView:
    page: PageRow
    deliveries: list[DeliveryRow]


@dataclass(frozen=True)
class AlertView:
    alert: AlertRow
    service: str | None  # the service its group was routed for, else its ``service`` label


@dataclass(frozen=True)
class StepView:
    step: PlaybookStepRow
    title: str  # as the run's snapshot of its playbook names it

    @property
    def undo_summary(self) -> str:
        return str((self.step.undo or {}).get("summary") or "")


@dataclass(frozen=True)
class RunView:
    run: PlaybookRunRow
    steps: list[StepView]


@dataclass(frozen=True)
class ActionItemView:
    item: ActionItemRow
    followup: FollowupRow | None  # None: not exported to an issue tracker


@dataclass(frozen=True)
class IncidentView:
    incident: IncidentRow
    timeline: list[TimelineEvent]
    pages: list[PageView]
    postmortem_state: str | None  # None: no post-mortem drafted yet
    alerts: list[AlertView] = field(default_factory=list)
    runs: list[RunView] = field(default_factory=list)
    action_items: list[ActionItemView] = field(default_factory=list)


def any_incidents(session: Session) -> bool:
    """Whether there is an incident at all (one row of an index)."""
    return session.scalar(select(IncidentRow.id).limit(1)) is not None


def private_channels(session: Session) -> list[tuple[int, str | None]]:
    """(number, channel) of every private incident: few, so the viewer's memberships are
    checked in Slack and the list then asks for those numbers only."""
    rows = session.execute(
        select(IncidentRow.id, IncidentRow.channel_id).where(IncidentRow.private.is_(True))
    )
    return [(number, channel) for number, channel in rows]


def incident_list(
    session: Session, query: ListQuery, private_shown: Collection[int] = ()
) -> ListPage:
    """``private_shown``: the private incidents the viewer is a member of; other private
    incidents are left out (and out of the count)."""
    conditions = _conditions(query)
    if query.text and _searchable(session, query.text):
        matches = _title_matches(query.text)
        # Up to COUNT_CAP titles hold the text: look those up and sort them (a few ms). More,
        # and they are common enough that walking the incidents in order finds a page of them
        # sooner, and the count reaches its cap sooner, than looking each of them up.
        probe = select(func.count()).select_from(matches.limit(COUNT_CAP + 1).subquery())
        if (session.scalar(probe) or 0) <= COUNT_CAP:
            conditions.append(IncidentRow.id.in_(matches))
    conditions.append(
        or_(IncidentRow.private.is_(False), IncidentRow.id.in_(sorted(private_shown)))
    )
    # Counting stops past COUNT_CAP: "more than 10,000" reads the same and costs a bounded scan.
    capped = select(IncidentRow.id).where(*conditions).limit(COUNT_CAP + 1).subquery()
    total = int(session.scalar(select(func.count()).select_from(capped)) or 0)
    source = IncidentRow
    if query.text and total <= FEW_MATCHES and session.get_bind().dialect.name == "postgresql":
        # A few titles match (the trigram index found them for the count): sort just those.
        # Left to itself the planner walks the declared_at index for them, and reads most of
        # the table when the matches are old or bunched in time.
        matches = select(IncidentRow).where(*conditions).cte("matches")
        source = aliased(IncidentRow, matches.prefix_with("MATERIALIZED"))
        conditions = []
    column = getattr(source, _SORT_COLUMNS[query.sort].key)
    order = [column.desc(), source.id.desc()] if query.descending else [column, source.id]
    rows = select(source).where(*conditions).order_by(*order).limit(PAGE_SIZE)
    found = list(session.scalars(rows.offset(query.offset)))
    return ListPage(found, min(total, COUNT_CAP), total > COUNT_CAP)


def _conditions(query: ListQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.status:
        conditions.append(IncidentRow.status == query.status)
    if query.severity:
        conditions.append(IncidentRow.severity == query.severity)
    if query.service:
        conditions.append(IncidentRow.service == query.service)
    if query.since:
        conditions.append(IncidentRow.declared_at >= datetime.combine(query.since, time(), UTC))
    if query.until:
        end = datetime.combine(query.until, time(), UTC) + timedelta(days=1)
        conditions.append(IncidentRow.declared_at < end)
    if query.text:
        escaped = query.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(IncidentRow.title.ilike(f"%{escaped}%", escape="\\"))
    return conditions


def _title_matches(text: str) -> Any:
    """The incidents whose titles hold every trigram of ``text`` in order, case folded: a few
    more than the LIKE matches (it folds non-ASCII letters too), which the LIKE then checks.
    The text is one FTS5 string (its quotes doubled), so none of it is query syntax."""
    phrase = '"' + text.replace('"', '""') + '"'
    return select(_title_search.c.rowid).where(_title_search.c.title.match(phrase))


_search_ready: WeakKeyDictionary[Engine, bool] = WeakKeyDictionary()


def _searchable(session: Session, text_: str) -> bool:
    """Whether SQLite's title index can answer ``text_``: on SQLite that has it (an SQLite
    without FTS5 or its trigram tokenizer did without, migration 0021), for 3 characters or
    more. PostgreSQL's pg_trgm index serves the ILIKE itself."""
    engine = session.get_bind()
    if len(text_) < TRIGRAM or not isinstance(engine, Engine):
        return False
    if engine not in _search_ready:
        _search_ready[engine] = engine.dialect.name == "sqlite" and bool(
            session.scalar(
                text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
                {"name": TITLE_SEARCH},
            )
        )
    return _search_ready[engine]


def services(session: Session) -> list[str]:
    """The services incidents named, for the filter's choices (the index makes it a scan of
    distinct keys, not of incidents)."""
    found = session.scalars(
        select(IncidentRow.service).where(IncidentRow.service.is_not(None)).distinct()
    )
    return sorted(s for s in found if s)


def incident(session: Session, number: int) -> IncidentView | None:
    row = session.get(IncidentRow, number)
    if row is None:
        return None
    postmortem = session.scalar(
        select(PostmortemRow.state).where(PostmortemRow.incident_id == number)
    )
    return IncidentView(
        row,
        repo.timeline(session, number),
        _pages(session, number),
        postmortem,
        _alerts(session, number),
        _runs(session, number),
        _action_items(session, number),
    )


def _pages(session: Session, number: int) -> list[PageView]:
    """The incident's pages and each one's deliveries: two queries, however many pages."""
    pages = list(
        session.scalars(
            select(PageRow).where(PageRow.incident_id == number).order_by(PageRow.started_at)
        )
    )
    deliveries: dict[int, list[DeliveryRow]] = {page.id: [] for page in pages}
    if pages:
        for delivery in session.scalars(
            select(DeliveryRow)
            .where(DeliveryRow.page_id.in_(list(deliveries)))
            .order_by(DeliveryRow.created_at, DeliveryRow.id)
        ):
            deliveries[delivery.page_id].append(delivery)
    return [PageView(page, deliveries[page.id]) for page in pages]


def _alerts(session: Session, number: int) -> list[AlertView]:
    found = session.execute(
        select(AlertRow, AlertGroupRow.service)
        .join(AlertGroupRow, AlertGroupRow.id == AlertRow.group_id)
        .where(AlertRow.incident_id == number)
        .order_by(AlertRow.starts_at, AlertRow.id)
    )
    return [
        AlertView(alert, service or (alert.labels or {}).get("service")) for alert, service in found
    ]


def _runs(session: Session, number: int) -> list[RunView]:
    """Each playbook run with its steps in order (one outer join: a run without step rows
    still shows)."""
    found = session.execute(
        select(PlaybookRunRow, PlaybookStepRow)
        .outerjoin(PlaybookStepRow, PlaybookStepRow.run_id == PlaybookRunRow.id)
        .where(PlaybookRunRow.incident_id == number)
        .order_by(PlaybookRunRow.started_at, PlaybookRunRow.id, PlaybookStepRow.position)
    )
    runs: dict[int, tuple[RunView, dict[str, str]]] = {}
    for run, step in found:
        if run.id not in runs:
            titles = {str(s.get("id")): str(s.get("title") or "") for s in run.steps or []}
            runs[run.id] = (RunView(run, []), titles)
        view, titles = runs[run.id]
        if step is not None:
            view.steps.append(StepView(step, titles.get(step.step_id) or step.step_id))
    return [view for view, _ in runs.values()]


def _action_items(session: Session, number: int) -> list[ActionItemView]:
    found = session.execute(
        select(ActionItemRow, FollowupRow)
        .outerjoin(FollowupRow, FollowupRow.action_item_id == ActionItemRow.id)
        .where(ActionItemRow.incident_id == number)
        .order_by(ActionItemRow.created_at, ActionItemRow.id)
    )
    return [ActionItemView(item, followup) for item, followup in found]
