"""Playbooks as files: loading and checking them, filling in their templates, keeping them current.

- ``loader``: one file -> a ``Playbook`` or its errors (file:line: field: message (hint)).
- ``templating``: Jinja2 (sandboxed, strict) checks at load time and rendering at run time.
- ``library``: the folders' playbooks by name, which ones apply to an incident, rendering a step.
- ``live``: reloading when files change; ``load_playbooks(settings)`` for the composition root.

The rules themselves (fields, steps, actions and their parameters) are pure and live in
``bot.playbooks.domain``.
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
