"""The insights' sections by slug, in the order ``warroom report`` prints them: the ``/insights``
page's (``bot/insights/web/charts.py``) with the on-call load after follow-ups. A constant of
its own so ``warroom --help`` names them without importing the figures."""

SLUGS = (
    "mttx-month",
    "mttx-service",
    "mttx-severity",
    "severity-month",
    "detect-month",
    "longest",
    "followups",
    "oncall-hours",
    "oncall-pages",
    "oncall-fairness",
    "alerts-rule",
    "alerts-service",
    "flapping",
    "night-pages",
)
