"""On-call maths, pure: schedules (who is on call when).

Map of the package:

- ``schedule``: ``Schedule``/``Layer``/``Override`` values; ``on_call_at``, ``final_shifts``,
  ``layer_shifts``, ``next_handoff``, ``handoffs_between``.
- ``rotation``: turn lengths and shift ``k``'s boundaries (local wall clock, PagerDuty's rule).
- ``restrictions``: daily/weekly windows that clip a layer's shifts.
- ``wallclock``: local time <-> UTC, with the one rule for nonexistent/ambiguous local times.

Every instant in and out is timezone-aware UTC; local time exists only inside the maths.
"""
