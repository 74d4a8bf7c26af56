"""Alert webhooks parsed at the edge: Alertmanager, the generic JSON shape, credentials."""
