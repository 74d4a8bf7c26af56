"""The web app behind Sign in with Slack: the incident list and pages (docs/insights.md)."""
