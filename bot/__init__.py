"""warroom: an incident-response ChatOps bot for Slack.

Map of the package (docs/architecture.md §3): one folder per feature, each with its pure
``domain/``, use cases, tables (``rows``), timer kinds (``timers``), Slack listeners and views
(``slack/``), web routes (``web/``) and ``feature.py``, its plug:

- ``bot.incidents``, ``bot.oncall``, ``bot.paging``, ``bot.alerts``, ``bot.playbooks``,
  ``bot.postmortems``, ``bot.heartbeats``, ``bot.retention``: the features.
- ``bot.config``: the config-as-code folder (users, schedules, policies, services).
- ``bot.kernel``: what features build on (settings, database, durable timers, the Slack app and
  edge, the web app, metrics); it imports no feature.
- ``bot.composition``: the one place that builds the kernel and plugs every feature in.
- ``warroom_sandbox``: the fake Slack and provider APIs used by the tests and ``warroom dev``.
"""

__version__ = "0.1.0"
