"""warroom: an incident-response ChatOps bot for Slack.

Map of the package (see docs/architecture.md §3):

- ``bot.domain``   the pure core: lifecycle, timeline, clocks, command grammar. No I/O.
- ``bot.services`` use cases combining the core with ports (storage, chat, timers).
- ``bot.storage``  SQLAlchemy 2 models, repositories, Alembic migration runner.
- ``bot.kernel.timers``   durable timers: claimed exactly once among replicas, fired by APScheduler.
- ``bot.slack``    Bolt listeners and Block Kit views: ack, parse, call one use case, render.
- ``bot.web``      the Starlette app: /slack/events, health, readiness, metrics.
- ``bot.sandbox``  the fake Slack Web API server used by the tests and by ``warroom dev``.
- ``bot.composition`` the one place that builds everything from settings.
"""

__version__ = "0.1.0"
