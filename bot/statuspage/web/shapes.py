"""``/status.json``: the page as plain data (names and meanings as on the HTML page)."""

from __future__ import annotations

from typing import Any

from bot.statuspage.domain.page import PublicIncident, StatusPage


def as_json(page: StatusPage) -> dict[str, Any]:
    return {
        "generated_at": page.generated_at.isoformat(),
        "status": page.overall,
        "components": [
            {
                "name": c.name,
                "description": c.description,
                "status": c.state,
                "uptime_90d": round(c.uptime * 100, 3),
                "days": [
                    {"date": d.day.isoformat(), "status": d.state, "down_seconds": _s(d.down)}
                    for d in c.days
                ],
            }
            for c in page.components
        ],
        "incidents": [_incident(i, page) for i in page.active],
        "history": [_incident(i, page) for i in page.history],
    }


def _incident(incident: PublicIncident, page: StatusPage) -> dict[str, Any]:
    return {
        "id": incident.number,
        "title": incident.title,
        "status": "resolved" if not incident.is_open else incident.state,
        "components": list(incident.components),
        "started_at": incident.started_at.isoformat(),
        "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
        "duration_seconds": _s(incident.duration(page.generated_at)),
        "updates": [{"at": u.at.isoformat(), "text": u.text} for u in reversed(incident.updates)],
    }


def _s(delta: Any) -> int:
    return int(delta.total_seconds())
