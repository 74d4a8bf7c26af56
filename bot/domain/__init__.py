"""The pure core: no I/O, no Slack, no SQL. Every function takes ``now`` when it needs the time."""
