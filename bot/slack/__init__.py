"""The Slack adapter: Bolt listeners (ack, parse, call one use case, render) and Block Kit views."""
