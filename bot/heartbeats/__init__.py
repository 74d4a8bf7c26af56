"""Heartbeat monitors: a job that stops checking in declares an incident (a dead man's switch)."""
