"""Paging over Slack: the timer handlers and the page DM's buttons."""
