"""``/oncall`` in Slack and the on-call messages timers carry (handoffs, digests)."""
