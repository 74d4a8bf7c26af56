"""The heartbeat monitors' HTTP routes."""
