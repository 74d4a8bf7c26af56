"""Paging maths, pure: escalation policies and who to page next, when.

- ``escalation``: ``EscalationPolicy`` values and JSON snapshots; ``escalation_plan``; keys.
- ``paging``: ``decide`` (notify / wait / stop) for a page in flight; ``resolve_targets``.

Every instant in and out is timezone-aware UTC.
"""
