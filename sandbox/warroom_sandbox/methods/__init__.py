"""The fake Web API methods, by Slack method name.

Each module covers one family (``identity``: auth/users/team, ``conversations``, ``chat``,
``pins_reactions``, ``views``, ``usergroups``) and lists its handlers in a ``HANDLERS`` dict;
:data:`METHODS` joins them. Arguments whose value is JSON (``blocks``, ``attachments``, ``view``,
``metadata``) are decoded by :func:`decoded_params` for the call log.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from typing import Any

from warroom_sandbox.methods import (
    chat,
    conversations,
    identity,
    pins_reactions,
    usergroups,
    views,
)
from warroom_sandbox.methods.base import Args, Caller, Handler

METHODS: Mapping[str, Handler] = {
    **identity.HANDLERS,
    **conversations.HANDLERS,
    **chat.HANDLERS,
    **pins_reactions.HANDLERS,
    **views.HANDLERS,
    **usergroups.HANDLERS,
}

JSON_ARGUMENTS = ("blocks", "attachments", "view", "metadata")


def decoded_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` with JSON-text arguments decoded (left as text when they are not valid JSON)."""
    out = dict(params)
    for name in JSON_ARGUMENTS:
        value = out.get(name)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                out[name] = json.loads(value)
    return out


__all__ = ["METHODS", "Args", "Caller", "Handler", "decoded_params"]
