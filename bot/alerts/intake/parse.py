"""From a raw request body to a ``Batch``, refusing bad input with a status and a message."""

from __future__ import annotations

import json
from typing import Any

from bot.alerts.domain import Batch, Source
from bot.alerts.intake import alertmanager, generic
from bot.alerts.intake.errors import Rejected, invalid


def parse_body(source: Source, body: bytes) -> Batch:
    """Malformed JSON: 400. Valid JSON that is not a valid payload: 422, naming the field."""
    payload = _json(body)
    if not isinstance(payload, dict):
        raise invalid("expected a JSON object with an 'alerts' list")
    if source is Source.GENERIC:
        return generic.parse(payload)
    return alertmanager.parse(payload, source)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise Rejected(400, "the body is not UTF-8 encoded JSON") from None
    except json.JSONDecodeError as error:
        raise Rejected(
            400, f"malformed JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    except RecursionError:
        raise Rejected(400, "the JSON is nested too deeply to read") from None
    except ValueError as error:  # Python refuses to read an integer of more than 4300 digits
        raise Rejected(400, f"the JSON holds a number that cannot be read: {error}") from None
