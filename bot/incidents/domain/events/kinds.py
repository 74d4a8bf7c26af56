"""The kinds of timeline event, as stored in the ``kind`` column."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

JSON = dict[str, Any]  # a stored ``data`` object


class EventKind(StrEnum):
    DECLARED = "declared"
    CHANNEL_CREATED = "channel_created"
    STATUS_CHANGED = "status_changed"
    SEVERITY_CHANGED = "severity_changed"
    LEAD_CHANGED = "lead_changed"
    ROLE_ASSIGNED = "role_assigned"
    INVITED = "invited"
    UPDATE_POSTED = "update_posted"
    NOTE_ADDED = "note_added"
    PUBLIC_UPDATE = "public_update"  # customer-facing text, shown on the status page
    ACTION_ADDED = "action_added"
    MESSAGE_ADDED = "message_added"
    PAGED = "paged"
    NOTIFIED = "notified"
    ACKNOWLEDGED = "acknowledged"
    DELIVERY_FAILED = "delivery_failed"
    NOBODY_ON_CALL = "nobody_on_call"
    PAGING_EXHAUSTED = "paging_exhausted"
    # Playbooks
    PLAYBOOK_STARTED = "playbook_started"
    PLAYBOOK_STEP = "playbook_step"
    PLAYBOOK_UNDONE = "playbook_undone"
    # Inbound alerts
    ALERT_FIRING = "alert_firing"
    ALERT_RESOLVED = "alert_resolved"
    ALERTS_NOTICE = "alerts_notice"
    # Post-mortems
    POSTMORTEM_DRAFTED = "postmortem_drafted"
    POSTMORTEM_REVIEWED = "postmortem_reviewed"
    # A stored kind this version does not know (a newer version wrote it): see ``Unknown``.
    UNRECOGNIZED = "unrecognized"
