"""The Slack side of alerts: channel-only messages, page-only DMs, alert lines."""
