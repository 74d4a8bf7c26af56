"""The post-mortem service's ``Drafter`` and ``Checker`` over the post-mortem folder.

``DraftingSetup`` (templates, their config and the blameless rules) is loaded and validated once
at startup; display names come from the live config's ``users.yaml`` on every draft, so a renamed
person shows up renamed. A template that fails while rendering (a file changed on disk after
startup, a template name no longer there) is reported as ``DraftFailed``; nothing is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from jinja2 import TemplateError, TemplateSyntaxError
from sqlalchemy.orm import Session, sessionmaker

from bot.incidents.service import IncidentView
from bot.postmortems import drafting
from bot.postmortems.domain.blameless import Finding, check
from bot.postmortems.domain.people import namer, people_refs, responders
from bot.postmortems.drafting import DraftingSetup
from bot.postmortems.service import Draft, DraftFailed
from bot.postmortems.templates import UnknownTemplate


class FolderDrafter:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        setup: DraftingSetup,
        names: Callable[[], Mapping[str, str]],
    ) -> None:
        self._sessions = sessions
        self._setup = setup
        self._names = names

    def __call__(self, incident: int, template: str | None) -> Draft:
        setup = self._setup
        try:
            rendered = drafting.draft(
                self._sessions,
                incident,
                setup.templates,
                setup.config,
                (),
                template,
                self._names(),
            )
        except UnknownTemplate as error:
            raise DraftFailed(str(error)) from None
        except TemplateSyntaxError as error:
            where = f"{error.filename or error.name}:{error.lineno}"
            raise DraftFailed(f"the template {where} has a syntax error: {error.message}") from None
        except TemplateError as error:
            raise DraftFailed(f"the template failed: {error}") from None
        return Draft(rendered.template, rendered.markdown)

    def check(self, incident: IncidentView, markdown: str) -> list[Finding]:
        """The blameless check, looking for the incident's responders by name and id."""
        name = namer(self._names())
        timeline = sorted(incident.timeline, key=lambda e: e.at)
        people = people_refs(responders(incident.incident, timeline, name))
        return check(markdown, self._setup.rules, people)
