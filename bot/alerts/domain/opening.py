"""What an alert-opened incident is called and says."""

from __future__ import annotations

from bot.alerts.domain.model import Alert
from bot.incidents.domain.incident import MAX_TITLE
from bot.incidents.domain.naming import slugify

MAX_DESCRIPTION = 2000


def incident_title(alert: Alert, service: str | None) -> str:
    """The summary annotation, else the alert name, else the service: the first with words
    (a channel is named after it), cut to the title limit."""
    candidates = [alert.summary, alert.name, f"Alert on {service or alert.source.value}"]
    for candidate in candidates:
        title = " ".join((candidate or "").split())[:MAX_TITLE].strip()
        if slugify(title):
            return title
    return f"Alert from {alert.source.value}"


def incident_description(alert: Alert) -> str:
    """The description annotation, for the card."""
    return (alert.annotations.get("description") or "")[:MAX_DESCRIPTION]
