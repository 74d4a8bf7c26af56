"""Playbooks in Slack: ``/incident playbook``, the checklist, its modals and timer handlers."""
