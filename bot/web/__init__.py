"""HTTP surface: Slack's Request URL, webhooks, health, readiness and metrics."""
