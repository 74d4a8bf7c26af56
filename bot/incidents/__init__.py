"""Incidents: declare, the lifecycle and timeline, the incident channel and its card."""
