"""On-call maths, pure: schedules (who is on call when) and escalation (who to page next, when).

Map of the package:

- ``schedule``: ``Schedule``/``Layer``/``Override`` values; ``on_call_at``, ``final_shifts``,
  ``layer_shifts``, ``next_handoff``, ``handoffs_between``.
- ``rotation``: turn lengths and shift ``k``'s boundaries (local wall clock, PagerDuty's rule).
- ``restrictions``: daily/weekly windows that clip a layer's shifts.
- ``wallclock``: local time <-> UTC, with the one rule for nonexistent/ambiguous local times.
- ``escalation``: ``EscalationPolicy`` values and JSON snapshots; ``escalation_plan``; keys.
- ``paging``: ``decide`` (notify / wait / stop) for a page in flight; ``resolve_targets``.

Every instant in and out is timezone-aware UTC; local time exists only inside the maths.
"""

from bot.domain.oncall.escalation import (
    EscalationLevel,
    EscalationPolicy,
    EscalationStep,
    Target,
    TargetKind,
    Urgency,
    escalation_key,
    escalation_plan,
)
from bot.domain.oncall.paging import (
    Decision,
    FiredStep,
    Notify,
    PagingState,
    Resolution,
    Stop,
    StopReason,
    Wait,
    decide,
    resolve_targets,
)
from bot.domain.oncall.restrictions import (
    DailyWindow,
    Restriction,
    WeeklyWindow,
    parse_daily_window,
    parse_weekly_window,
)
from bot.domain.oncall.rotation import format_turn_length, parse_turn_length
from bot.domain.oncall.schedule import (
    DEFAULT_HORIZON,
    Handoff,
    Layer,
    LayerOnCall,
    OnCall,
    Override,
    Schedule,
    Shift,
    final_shifts,
    handoffs_between,
    layer_shifts,
    next_handoff,
    on_call_at,
)

__all__ = [
    "DEFAULT_HORIZON",
    "DailyWindow",
    "Decision",
    "EscalationLevel",
    "EscalationPolicy",
    "EscalationStep",
    "FiredStep",
    "Handoff",
    "Layer",
    "LayerOnCall",
    "Notify",
    "OnCall",
    "Override",
    "PagingState",
    "Resolution",
    "Restriction",
    "Schedule",
    "Shift",
    "Stop",
    "StopReason",
    "Target",
    "TargetKind",
    "Urgency",
    "Wait",
    "WeeklyWindow",
    "decide",
    "escalation_key",
    "escalation_plan",
    "final_shifts",
    "format_turn_length",
    "handoffs_between",
    "layer_shifts",
    "next_handoff",
    "on_call_at",
    "parse_daily_window",
    "parse_turn_length",
    "parse_weekly_window",
    "resolve_targets",
]
