"""The on-call calendar feed (iCalendar)."""
