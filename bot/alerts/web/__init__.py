"""The alert webhook routes."""
