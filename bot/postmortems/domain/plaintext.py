"""Slack mrkdwn (what ``describe`` and users write) to Markdown for the post-mortem document."""

from __future__ import annotations

import re
from collections.abc import Mapping

_ANGLE = re.compile(r"<(?P<target>[^<>|]+)(?:\|(?P<label>[^<>]*))?>")
_LEADING_EMOJI = re.compile(r"^(?::[a-z0-9_+-]+:\s*)+")


def to_markdown(mrkdwn: str, names: Mapping[str, str]) -> str:
    """``<@U1>`` -> the person's name (else their id), ``<#C1|ops>`` -> ``#ops``,
    ``<!here>`` -> ``@here``, ``<url|text>`` -> ``[text](url)``, ``<url>`` -> ``<url>``; a
    leading emoji shortcode (decoration added by ``describe``) is dropped."""

    def replace(match: re.Match[str]) -> str:
        target, label = match["target"], match["label"]
        if target.startswith("@"):
            return names.get(target[1:], label or target[1:])
        if target.startswith("#"):
            return f"#{label or target[1:]}"
        if target.startswith("!"):
            return label or f"@{target[1:].split('^')[0]}"
        return f"[{label}]({target})" if label else f"<{target}>"

    text = mrkdwn.strip()
    if text.startswith(":"):
        text = _LEADING_EMOJI.sub("", text)
    return _ANGLE.sub(replace, text) if "<" in text else text


def cell(text: object) -> str:
    """Text safe inside a Markdown table cell: ``|`` escaped, line breaks as spaces."""
    return " ".join(str(text).replace("\\|", "|").replace("|", "\\|").split())
