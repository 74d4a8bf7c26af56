"""Post-mortems in Slack: ``/incident postmortem``, the review buttons, the timer handlers."""
