"""``/incident`` in Slack: the command, its modals and buttons, provisioning the channel."""
