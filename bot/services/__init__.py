"""Use cases: each combines the pure core with storage in one transaction and schedules the
side effects (Slack posts, pages) as durable timers, so a crash or a Slack outage loses nothing."""
