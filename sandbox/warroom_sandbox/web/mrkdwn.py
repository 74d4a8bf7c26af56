"""Slack's ``mrkdwn`` and ``plain_text`` to safe HTML, as the Slack client shows them.

Everything the bot sends is untrusted text: it is HTML-escaped, and only the markup produced here
reaches the page. Supported, after Slack's formatting reference:

- ``*bold*``, ``_italic_``, ``~strike~``, ```` `code` ````, fenced ```` ```pre``` ```` blocks,
  ``>`` quotes, line breaks, bare ``http(s)`` links;
- ``<url>``/``<url|label>`` links (http, https and mailto only; anything else shows its label),
  ``<@U123>`` user and ``<#C123>`` channel mentions (named from the workspace, the label after
  ``|`` otherwise), ``<!here>``, ``<!channel>``, ``<!everyone>``, ``<!subteam^ID|@team>``;
- ``<!date^epoch^format[^link]|fallback>`` shown in the viewer's time zone with Slack's tokens
  (``{date_num}``, ``{date}``, ``{date_short}``, ``{date_long}``, their ``_pretty`` forms,
  ``{time}``, ``{time_secs}``, ``{ago}``); the fallback when a token is unknown;
- Slack's three escapes ``&amp;``, ``&lt;``, ``&gt;``; known ``:emoji:`` short names.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

from markupsafe import Markup, escape

from warroom_sandbox.web.directory import Directory
from warroom_sandbox.web.emoji import replace_short_names

_FENCE = re.compile(r"```(.*?)```", re.DOTALL)
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_TOKEN = re.compile(r"<([^<>\n]+)>")
_PLACEHOLDER = re.compile("\x00(\\d+)\x00")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
_BARE_URL = re.compile(r"\bhttps?://[^\s<>\"\x00]+[^\s<>\"\x00.,;:!?)]")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_DATE_TOKEN = re.compile(r"\{(\w+)\}")


def slack_unescape(text: str) -> str:
    """Slack escapes exactly ``&``, ``<`` and ``>`` in message text; undo those three."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def plain(text: str, *, emoji: bool = True) -> Markup:
    """A ``plain_text`` object's text: escaped, line breaks kept, short names drawn if ``emoji``."""
    escaped = str(escape(text))
    if emoji:
        escaped = replace_short_names(escaped)
    return Markup(escaped.replace("\n", "<br>"))


def mrkdwn(text: str, directory: Directory) -> Markup:
    """``text`` in Slack's mrkdwn as HTML (see the module docstring for what is supported)."""
    parts: list[str] = []
    position = 0
    for fence in _FENCE.finditer(text):
        parts.append(_lines(text[position : fence.start()], directory))
        code = slack_unescape(fence.group(1).strip("\n"))
        parts.append(f'<pre class="md-pre">{escape(code)}</pre>')
        position = fence.end()
    parts.append(_lines(text[position:], directory))
    return Markup("".join(parts))


def _lines(text: str, directory: Directory) -> str:
    """Plain lines joined by ``<br>``; runs of ``>`` lines become one quote."""
    if not text:
        return ""
    out: list[str] = []
    quote: list[str] = []

    def flush_quote() -> None:
        if quote:
            inner = "<br>".join(_inline(line, directory) for line in quote)
            out.append(f'<blockquote class="md-quote">{inner}</blockquote>')
            quote.clear()

    for line in text.split("\n"):
        stripped = line.lstrip()
        for marker in ("&gt;", ">"):
            if stripped.startswith(marker):
                quote.append(stripped[len(marker) :].removeprefix(" "))
                break
        else:
            flush_quote()
            out.append(_inline(line, directory))
            out.append("<br>")
    flush_quote()
    if out and out[-1] == "<br>":
        out.pop()
    return "".join(out)


def _inline(text: str, directory: Directory) -> str:
    pieces: list[str] = []
    position = 0
    for code in _INLINE_CODE.finditer(text):
        pieces.append(_formatted(text[position : code.start()], directory))
        pieces.append(f'<code class="md-code">{escape(slack_unescape(code.group(1)))}</code>')
        position = code.end()
    pieces.append(_formatted(text[position:], directory))
    return "".join(pieces)


def _formatted(text: str, directory: Directory) -> str:
    """Tokens become placeholders first, so formatting never reaches inside a link or mention."""
    rendered: list[str] = []

    def hold(html: str) -> str:
        rendered.append(html)
        return f"\x00{len(rendered) - 1}\x00"

    text = _TOKEN.sub(lambda m: hold(token(m.group(1), directory)), text.replace("\x00", ""))
    escaped = str(escape(slack_unescape(text)))
    escaped = _BARE_URL.sub(lambda m: hold(_link(m.group(0), m.group(0))), escaped)
    escaped = _BOLD.sub(r"<b>\1</b>", escaped)
    escaped = _ITALIC.sub(r"<i>\1</i>", escaped)
    escaped = _STRIKE.sub(r"<s>\1</s>", escaped)
    escaped = replace_short_names(escaped)
    return _PLACEHOLDER.sub(lambda m: rendered[int(m.group(1))], escaped)


def token(body: str, directory: Directory) -> str:
    """The HTML for one ``<...>`` token (without the angle brackets)."""
    target, _, label = body.partition("|")
    if target.startswith("@"):
        user_id = target[1:]
        name = directory.display_name(user_id) if user_id in directory.users else label or user_id
        mine = " me" if user_id == directory.viewer.id else ""
        return f'<span class="mention{mine}" data-user="{escape(user_id)}">@{escape(name)}</span>'
    if target.startswith("#"):
        channel_id = target[1:]
        channel = directory.channels.get(channel_id)
        name = channel.name if channel is not None else (label or channel_id)
        return (
            f'<a class="channel-link" href="?channel={escape(channel_id)}" '
            f'data-channel="{escape(channel_id)}">#{escape(name)}</a>'
        )
    if target.startswith("!"):
        return _special(body[1:], directory)
    if target.startswith(_SAFE_SCHEMES):
        return _link(target, label or target)
    return str(escape(label or target))


def _link(url: str, label: str) -> str:
    return (
        f'<a class="md-link" href="{escape(slack_unescape(url))}" target="_blank" '
        f'rel="noopener noreferrer">{replace_short_names(str(escape(slack_unescape(label))))}</a>'
    )


def _special(body: str, directory: Directory) -> str:
    head, _, label = body.partition("|")
    if head.startswith("date^"):
        return date_token(head, label, directory)
    if head in ("here", "channel", "everyone"):
        return f'<span class="mention broadcast">@{head}</span>'
    if head.startswith("subteam^"):
        name = label or "@" + head.removeprefix("subteam^")
        return f'<span class="mention">{escape(name)}</span>'
    return str(escape(label or head))


def date_token(head: str, fallback: str, directory: Directory) -> str:
    """``date^<epoch>^<format>[^<link>]`` in the viewer's zone; the fallback if it cannot be."""
    parts = head.split("^")
    try:
        epoch = int(parts[1])
        template = parts[2]
    except (IndexError, ValueError):
        return str(escape(slack_unescape(fallback)))
    instant = directory.local(epoch)
    today = directory.local(directory.now).date()
    unknown = [name for name in _DATE_TOKEN.findall(template) if name not in _FORMATS]
    if unknown:
        return str(escape(slack_unescape(fallback or template)))
    text = _DATE_TOKEN.sub(lambda m: _FORMATS[m.group(1)](instant, today, directory.now), template)
    html = (
        f'<time class="md-date" datetime="{instant.isoformat()}" '
        f'title="{escape(slack_unescape(fallback))}">{escape(slack_unescape(text))}</time>'
    )
    if len(parts) > 3 and parts[3].startswith(_SAFE_SCHEMES):
        return (
            f'<a class="md-link" href="{escape(parts[3])}" target="_blank" '
            f'rel="noopener noreferrer">{html}</a>'
        )
    return html


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _date(instant: datetime) -> str:
    return f"{instant:%B} {_ordinal(instant.day)}, {instant.year}"


def _pretty(instant: datetime, today: date, otherwise: str) -> str:
    day = instant.date()
    if day == today:
        return "today"
    if day == today - timedelta(days=1):
        return "yesterday"
    if day == today + timedelta(days=1):
        return "tomorrow"
    return otherwise


def _time(instant: datetime, seconds: bool = False) -> str:
    hour = instant.hour % 12 or 12
    clock = f"{hour}:{instant:%M}" + (f":{instant:%S}" if seconds else "")
    return f"{clock} {'AM' if instant.hour < 12 else 'PM'}"


def _ago(instant: datetime, now: float) -> str:
    seconds = int(now - instant.timestamp())
    future = seconds < 0
    seconds = abs(seconds)
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = seconds // size
            words = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {words}" if future else f"{words} ago"
    return "just now"


_FORMATS: dict[str, Callable[[datetime, date, float], str]] = {
    "date_num": lambda i, t, n: f"{i:%Y-%m-%d}",
    "date": lambda i, t, n: _date(i),
    "date_short": lambda i, t, n: f"{i:%b} {i.day}, {i.year}",
    "date_long": lambda i, t, n: f"{i:%A}, {_date(i)}",
    "date_pretty": lambda i, t, n: _pretty(i, t, _date(i)),
    "date_short_pretty": lambda i, t, n: _pretty(i, t, f"{i:%b} {i.day}, {i.year}"),
    "date_long_pretty": lambda i, t, n: _pretty(i, t, f"{i:%A}, {_date(i)}"),
    "time": lambda i, t, n: _time(i),
    "time_secs": lambda i, t, n: _time(i, seconds=True),
    "ago": lambda i, t, n: _ago(i, n),
}
