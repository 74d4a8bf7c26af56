"""Inbound alerts, pure: the alert value, routing, grouping and what users read of them.

``model`` is the alert as every source describes it once parsed (``bot.alerts`` parses);
``routing`` decides per alert what to do (open an incident, page, post to a channel);
``grouping`` decides which incident an alert joins and what its arrival records;
``summary`` reads the alerts back from an incident's timeline for the card and the post-mortem.
"""

from bot.domain.alerts.grouping import (
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
from bot.domain.alerts.model import Alert, AlertStatus, Batch, Source, fingerprint_of
from bot.domain.alerts.opening import incident_description, incident_title
from bot.domain.alerts.routing import (
    DEFAULT_SEVERITIES,
    Action,
    Decision,
    Route,
    Routing,
    Unroutable,
    decide,
)
from bot.domain.alerts.summary import AlertLine, AlertSummary, summarize

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
    "changes",
    "decide",
    "fingerprint_of",
    "incident_description",
    "incident_title",
    "place",
    "storm_target",
    "summarize",
]
