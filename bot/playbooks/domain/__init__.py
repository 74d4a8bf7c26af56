"""Playbooks: the model of a playbook, the catalogue of automated actions and its parameter rules.

Pure: no YAML, HTTP or Slack here (reading and validating files lives in ``bot.playbooks.schema``
and ``bot.playbooks.loader``, actions in ``bot.playbooks.actions``).
"""
