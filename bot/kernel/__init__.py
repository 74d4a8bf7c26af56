"""Shared infrastructure every feature builds on: clock, settings, YAML source, the database,
durable timers, the Slack app and edge, the ASGI app and metrics, the outbound HTTP sender.
Knows no feature."""
