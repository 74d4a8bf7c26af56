"""Every table, registered on the metadata by importing each feature's rows (Alembic and tests)."""

from bot.alerts import rows as alert_rows
from bot.announcements import rows as announcement_rows
from bot.heartbeats import rows as heartbeat_rows
from bot.incidents import rows as incident_rows
from bot.insights.clocks import rows as clock_rows
from bot.kernel.slack import inbox_rows
from bot.kernel.storage.base import Base
from bot.kernel.timers import rows as timer_rows
from bot.oncall import rows as oncall_rows
from bot.paging import rows as paging_rows
from bot.playbooks import rows as playbook_rows
from bot.postmortems import rows as postmortem_rows

__all__ = [
    "Base",
    "alert_rows",
    "announcement_rows",
    "clock_rows",
    "heartbeat_rows",
    "inbox_rows",
    "incident_rows",
    "oncall_rows",
    "paging_rows",
    "playbook_rows",
    "postmortem_rows",
    "timer_rows",
]
