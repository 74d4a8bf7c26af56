"""The incident's call link, from ``INCIDENT_CALL_URL_TEMPLATE`` (a Zoom/Meet/Jitsi room per
incident), e.g. ``https://meet.jit.si/warroom-{channel}``.

Placeholders: ``{number}`` (42), ``{channel}`` (the channel name, ``inc-42-db-down``) and
``{slug}`` (the title's slug, ``db-down``). The template is checked once at start, so a typo is
reported naming the setting instead of producing broken links later.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from urllib.parse import quote

from bot.incidents.domain.naming import slugify
from bot.kernel.suggest import did_you_mean

SETTING = "INCIDENT_CALL_URL_TEMPLATE"
PLACEHOLDERS = ("number", "channel", "slug")


class BadCallTemplate(ValueError):
    """The template cannot make a link; the message names the setting and what to write."""


@dataclass(frozen=True)
class CallLink:
    template: str

    @classmethod
    def parse(cls, template: str) -> CallLink:
        template = template.strip()
        if not template.startswith(("https://", "http://")):
            raise BadCallTemplate(
                f"{SETTING} must be an http(s) URL, e.g. https://meet.jit.si/warroom-{{channel}}"
            )
        try:
            fields = [
                name for _, name, _, _ in string.Formatter().parse(template) if name is not None
            ]
        except ValueError as error:  # an unmatched brace
            raise BadCallTemplate(f"{SETTING}: {error}") from error
        for name in fields:
            if name not in PLACEHOLDERS:
                hint = did_you_mean(name, PLACEHOLDERS)
                known = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
                raise BadCallTemplate(
                    f"{SETTING} has an unknown placeholder {{{name}}}"
                    + (f" ({hint})" if hint else "")
                    + f"; use {known}"
                )
        return cls(template)

    def url(self, number: int, channel: str | None, title: str) -> str:
        """The link for one incident; before its channel exists, ``{channel}`` is ``inc-<n>``."""
        values = {
            "number": str(number),
            "channel": channel or f"inc-{number}",
            "slug": slugify(title) or f"inc-{number}",
        }
        return self.template.format(**{k: quote(v, safe="") for k, v in values.items()})
