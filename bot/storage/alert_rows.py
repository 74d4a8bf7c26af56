"""Tables of inbound alerts: raw payloads, alerts and their groups."""

from __future__ import annotations
