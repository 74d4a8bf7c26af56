"""What an exported action item says in the tracker, and how warroom finds it again.

Every issue carries a hidden marker naming its action item, so a retry whose earlier create
was taken by the tracker (the answer lost on the way back) finds that issue instead of
creating a second one.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_TITLE = 250  # GitHub allows 256; Linear and Jira (255) a little less


@dataclass(frozen=True)
class FollowupItem:
    """An action item to export, with what its issue links back to."""

    item_id: int
    text: str
    owner: str | None  # a display name
    incident_number: int
    incident_title: str
    incident_url: str | None  # the incident's Slack channel
    postmortem_url: str | None  # the post-mortem's review page


def marker(item_id: int) -> str:
    """The token the issue body carries (inside an HTML comment, invisible when rendered)."""
    return f"warroom-followup-{item_id}"


def issue_title(item: FollowupItem) -> str:
    text = " ".join(item.text.split())
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1] + "…"


def issue_body(item: FollowupItem) -> str:
    """Markdown linking the incident and its post-mortem, ending with the marker."""
    lines = [
        f"Follow-up of incident #{item.incident_number}: {item.incident_title}.",
        "",
        item.text,
        "",
    ]
    if item.owner:
        lines.append(f"Owner: {item.owner}")
    if item.incident_url:
        lines.append(f"Incident: {item.incident_url}")
    if item.postmortem_url:
        lines.append(f"Post-mortem: {item.postmortem_url}")
    lines += ["", "Closing this issue marks the action item done in warroom.", ""]
    lines.append(f"<!-- {marker(item.item_id)} -->")
    return "\n".join(lines)
