"""``/status/feed.atom``: one entry per customer-facing incident (RFC 4287), built with
ElementTree so every text is escaped, newest first."""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree as ET

from bot.incidents.domain.incident import format_duration
from bot.statuspage.domain.page import PublicIncident, StatusPage

ATOM = "http://www.w3.org/2005/Atom"


def atom(page: StatusPage, base: str) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "title", "Status")
    _text(feed, "id", f"{base}/status")
    _link(feed, f"{base}/status/feed.atom", "self")
    _link(feed, f"{base}/status", "alternate")
    incidents = sorted([*page.active, *page.history], key=_changed, reverse=True)
    _text(feed, "updated", _iso(_changed(incidents[0]) if incidents else page.generated_at))
    for incident in incidents:
        _entry(feed, incident, page, base)
    xml: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return xml


def _entry(feed: ET.Element, incident: PublicIncident, page: StatusPage, base: str) -> None:
    entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
    state = incident.state if incident.is_open else "resolved"
    _text(entry, "title", f"{incident.title}: {state}")
    _text(entry, "id", f"{base}/status#incident-{incident.number}")
    _link(entry, f"{base}/status#incident-{incident.number}", "alternate")
    _text(entry, "published", _iso(incident.started_at))
    _text(entry, "updated", _iso(_changed(incident)))
    author = ET.SubElement(entry, f"{{{ATOM}}}author")
    _text(author, "name", "Status")
    lines = [f"{_iso(u.at)}: {u.text}" for u in reversed(incident.updates)]
    if not incident.is_open:
        duration = format_duration(incident.duration(page.generated_at))
        lines.insert(0, f"Resolved after {duration}.")
    _text(entry, "content", "\n".join(lines)).set("type", "text")


def _changed(incident: PublicIncident) -> datetime:
    last = incident.updates[-1].at if incident.updates else incident.started_at
    return max(last, incident.resolved_at or last)


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    element.text = text
    return element


def _link(parent: ET.Element, href: str, rel: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}link", href=href, rel=rel)


def _iso(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")
