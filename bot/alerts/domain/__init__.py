"""Inbound alerts, pure: the alert value, routing, grouping and what users read of them.

``model`` is the alert as every source describes it once parsed (``bot.alerts`` parses);
``routing`` decides per alert what to do (open an incident, page, post to a channel);
``grouping`` decides which incident an alert joins and what its arrival records;
``summary`` reads the alerts back from an incident's timeline for the card and the post-mortem.
"""

from bot.alerts.domain.grouping import (
    Attach,
    Ignore,
    Known,
    Open,
    Placement,
    StormCandidate,
    changes,
    place,
    storm_target,
)
from bot.alerts.domain.model import Alert, AlertStatus, Batch, Source, fingerprint_of
from bot.alerts.domain.opening import incident_description, incident_title
from bot.alerts.domain.routing import (
    DEFAULT_SEVERITIES,
    Action,
    Decision,
    Route,
    Routing,
    Unroutable,
    decide,
)
from bot.alerts.domain.summary import AlertLine, AlertSummary, as_line, summarize

__all__ = [
    "DEFAULT_SEVERITIES",
    "Action",
    "Alert",
    "AlertLine",
    "AlertStatus",
    "AlertSummary",
    "Attach",
    "Batch",
    "Decision",
    "Ignore",
    "Known",
    "Open",
    "Placement",
    "Route",
    "Routing",
    "Source",
    "StormCandidate",
    "Unroutable",
    "as_line",
    "changes",
    "decide",
    "fingerprint_of",
    "incident_description",
    "incident_title",
    "place",
    "storm_target",
    "summarize",
]
