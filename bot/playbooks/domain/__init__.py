"""Playbooks: the model of a playbook, its validation and the catalogue of automated actions.

Pure: no YAML, HTTP or Slack here (loading lives in ``bot.playbooks``, actions in
``bot.playbooks.actions``).
"""
