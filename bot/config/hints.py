"""How-to-fix hints: close-name suggestions, time zone advice, and hints for schema errors."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel

from bot.kernel.suggest import did_you_mean
from bot.kernel.yamlsource import SourceError

SETTING_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
SETTING_HINT = (
    "credentials never go in YAML: give the NAME of an environment setting that holds it, "
    "in capitals (e.g. PAGERDUTY_ROUTING_KEY_PAYMENTS)"
)


def join(*parts: str) -> str:
    return "; ".join(part for part in parts if part)


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def zone_problem(name: str) -> tuple[str, str] | None:
    """``(message, hint)`` when ``name`` is not an IANA time zone, else None."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        suggestion = did_you_mean(name, _zones())
        return (
            f"unknown time zone {name!r}",
            join(suggestion, "use an IANA name such as Europe/Berlin or America/New_York"),
        )
    return None


# Type errors from pydantic are worded for programmers; these say what to write instead.
_FIELD_HINTS = {
    "turn": "hourly, daily, weekly, or a count and unit: 12h, 3d, 2w",
    "rotation_virtual_start": "a date and time, e.g. 2024-01-01 09:00 (schedule's zone) "
    "or 2024-01-01T09:00:00+01:00",
    "start": "a date and time, e.g. 2024-01-01 09:00 (read in the schedule's zone)",
    "end": "a date and time, e.g. 2024-01-01 09:00 (read in the schedule's zone)",
    "delay_minutes": "whole minutes, 0 or more",
    "repeat": "how many more times to run the policy after the last level, 0 to 9",
    "users": "a list of Slack ids or emails from users.yaml",
    "targets": "a list of '- user: <Slack id or email>' or '- schedule: <name>'",
    "levels": "a list of levels, each with delay_minutes and targets",
    "layers": "a list of layers, each with name, users, rotation_virtual_start and turn",
    "urgency": "high (escalates) or low (notifies the first level only)",
    "time_zone": "an IANA name such as Europe/Berlin",
    "tz": "an IANA name such as Europe/Berlin",
    **{
        name: "the NAME of an environment setting that holds the secret, e.g. " + example
        for name, example in (
            ("routing_key_setting", "PAGERDUTY_ROUTING_KEY_PAYMENTS"),
            ("api_key_setting", "OPSGENIE_API_KEY"),
            ("secret_setting", "WARROOM_WEBHOOK_SECRET"),
        )
    },
}


def schema_hint(error: SourceError, models: Iterable[type[BaseModel]]) -> SourceError:
    """``error`` (from ``yamlsource.validate``) with a hint added when we know a better one."""
    if error.hint:
        return error
    last = error.field.rsplit(".", 1)[-1].split("[", 1)[0]
    if "Extra inputs are not permitted" in error.message:
        if any(word in last for word in ("key", "secret", "token", "password")):
            hint = SETTING_HINT + f", as {last.removesuffix('_setting')}_setting"
        else:
            hint = join(did_you_mean(last, _field_names(models)), "remove it or check its spelling")
    elif error.message == "Field required":
        hint = f"add '{last}:'" + (f" ({_FIELD_HINTS[last]})" if last in _FIELD_HINTS else "")
    else:
        hint = _FIELD_HINTS.get(last, "")
    return SourceError(error.file, error.line, error.field, error.message, hint)


def _field_names(models: Iterable[type[BaseModel]]) -> set[str]:
    names: set[str] = set()
    seen: set[type[BaseModel]] = set()
    pending = list(models)
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            names.add(name)
            pending.extend(_models_in(info.annotation))
    return names


def _models_in(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _models_in(arg)]
