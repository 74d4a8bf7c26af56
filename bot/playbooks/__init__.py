"""Playbooks: checklists from YAML files, walked through in Slack, some steps automated.

- ``domain/``: the pure rules (fields, steps, actions and their parameters) and a run's state.
- ``loader``/``templating``/``library``/``files_live``: files -> playbooks with file:line: field
  errors, sandboxed Jinja2, which ones apply to an incident, reloading when files change.
- ``service``/``steps``/``automation``/``plans``: starting runs, ticking steps, running automated
  steps once and undoing them; ``actions/``: the providers (feature flags, Kubernetes, HTTP).
- ``slack/``: the checklist, its modals and timer handlers; ``feature``: the plug.
"""

from bot.playbooks.files_live import LivePlaybooks, load_playbooks
from bot.playbooks.library import PlaybookLibrary, PlaybookUnavailable, RenderedStep, variables
from bot.playbooks.templating import RenderError

__all__ = [
    "LivePlaybooks",
    "PlaybookLibrary",
    "PlaybookUnavailable",
    "RenderError",
    "RenderedStep",
    "load_playbooks",
    "variables",
]
