"""The plain values a post-mortem template sees (documented in ``postmortems/README.md``).

Everything is already computed and formatted: templates place facts, they never calculate.
Instants are ``Moment`` values (UTC and the team's local time); durations are strings such as
``4m 00s`` (``bot.incidents.domain.incident.format_duration``); people are display names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Moment:
    """One instant, as ``2026-10-25 00:30:00`` UTC and ``2026-10-25 02:30:00 CEST`` local."""

    utc: str
    local: str

    @classmethod
    def of(cls, instant: datetime, tz: ZoneInfo) -> Moment:
        # isoformat, not strftime: drafts of long incidents format tens of thousands of these.
        utc = instant.astimezone(UTC)
        local = instant.astimezone(tz)
        return cls(
            utc=utc.isoformat(" ", "seconds")[:19],
            local=f"{local.isoformat(' ', 'seconds')[:19]} {local.tzname()}",
        )

    def __str__(self) -> str:
        if self.local == f"{self.utc} UTC":  # no team time zone: say UTC once
            return f"{self.utc} UTC"
        return f"{self.utc} UTC ({self.local})"


@dataclass(frozen=True)
class Responder:
    """Someone who took part: ``involvement`` lists how (``declared``, ``lead``, ``paged``,
    ``acknowledged``, ``acted``, a role name ...), in the order first seen."""

    name: str
    ref: str
    involvement: list[str]

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Clock:
    label: str
    at: Moment | None


@dataclass(frozen=True)
class Duration:
    label: str
    value: str | None  # None: the clock it measures to was never reached


@dataclass(frozen=True)
class KeyClocks:
    """The incident's clocks; durations count from ``started`` (detection, else declaration)."""

    detected: Moment | None
    declared: Moment
    acknowledged: Moment | None
    mitigated: Moment | None
    resolved: Moment | None
    started_from: str  # "detection" or "declaration"
    time_to_acknowledge: str | None
    time_to_mitigate: str | None
    time_to_resolve: str | None
    instants: list[Clock]
    durations: list[Duration]


@dataclass(frozen=True)
class Alert:
    name: str
    source: str
    labels: dict[str, str]
    labels_text: str  # ``env=prod, service=checkout``
    summary: str
    starts: Moment | None
    ends: Moment | None  # None: still firing when drafted
    generator_url: str | None
    fingerprint: str


@dataclass(frozen=True)
class Detection:
    """``method`` is ``alert`` (the first alert is ``alert``) or ``person`` (declared by hand)."""

    method: str
    alert: Alert | None
    declared_by: str
    detected: Moment | None
    declared: Moment
    time_to_declare: str | None  # detection -> declaration


@dataclass(frozen=True)
class Page:
    at: Moment
    by: str
    target: str
    policy: str
    message: str


@dataclass(frozen=True)
class Notification:
    """People notified by one escalation step; ``escalation`` when past the first level/round."""

    at: Moment
    people: list[str]
    level: int  # 1-based
    round: int  # 1-based
    escalation: bool


@dataclass(frozen=True)
class Acknowledgement:
    at: Moment
    by: str
    after: str | None  # since the first page before it


@dataclass(frozen=True)
class Role:
    role: str
    person: str


@dataclass(frozen=True)
class Response:
    pages: list[Page]
    notifications: list[Notification]
    escalations: list[Notification]
    acknowledgements: list[Acknowledgement]
    paging_problems: list[str]  # nobody on call, escalation exhausted, unreachable
    lead: str
    declared_by: str
    roles: list[Role]


@dataclass(frozen=True)
class TimelineRow:
    """One event; ``event`` is Markdown text (pass it through the ``cell`` filter in tables)."""

    utc: str
    local: str
    event: str
    actor: str
    kind: str


@dataclass(frozen=True)
class Undo:
    at: Moment
    by: str
    title: str
    summary: str
    succeeded: bool
    error: str


@dataclass(frozen=True)
class Step:
    at: Moment
    by: str
    title: str
    outcome: str  # done, skipped, succeeded, failed
    action: str  # automated steps: e.g. feature_flag.disable; "" for manual steps
    summary: str
    reason: str
    error: str
    undo: str  # how it can be rolled back; "" when nothing to roll back
    undone: Undo | None


@dataclass(frozen=True)
class PlaybookRun:
    run: str
    playbook: str
    title: str
    started: Moment | None
    started_by: str
    steps: list[Step]


@dataclass(frozen=True)
class ActionItem:
    text: str
    owner: str | None
    done: bool
    created: Moment
    created_by: str
    done_at: Moment | None


@dataclass(frozen=True)
class Impact:
    """Facts for the impact prompt: when it started (hand-corrected, else the first alert, else
    detection or declaration), how long until mitigation, severities and services touched."""

    started: Moment
    mitigated: Moment | None
    duration: str | None
    severity_changes: list[str]  # ``SEV3 -> SEV2``
    highest_severity: str
    services: list[str]
    alert_names: list[str]


@dataclass(frozen=True)
class PostmortemInputs:
    """Every template variable (top-level names are these fields)."""

    number: int
    title: str
    severity: str  # SEV1..SEV4
    severity_label: str  # critical, major, minor, cosmetic
    status: str
    services: list[str]
    description: str
    last_update: str | None
    mitigation_note: str | None
    resolution_note: str | None
    time_zone: str
    lead: str
    declared_by: str
    responders: list[Responder]
    people: list[str]  # names and ids of responders: what the blameless check looks for
    clocks: KeyClocks
    impact: Impact
    detection: Detection
    response: Response
    timeline: list[TimelineRow]
    playbooks: list[PlaybookRun]
    rollbacks: list[Undo]
    alerts: list[Alert]
    action_items: list[ActionItem]
    open_action_items: list[ActionItem]
    follow_ups: list[str]  # system gaps the timeline shows, worth an action item
