"""On-call: schedules, overrides, ``/oncall``, handoff reminders and the calendar feed."""
