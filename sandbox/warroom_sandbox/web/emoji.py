"""Slack emoji short names (``:pushpin:``) to the characters a browser can draw.

Only names in :data:`EMOJI` are replaced; anything else stays as typed (``:custom_emoji:``, and
times such as ``14:00:00``), which is also how Slack shows a name it does not know.
"""

from __future__ import annotations

import re

EMOJI: dict[str, str] = {
    "+1": "👍",
    "-1": "👎",
    "thumbsup": "👍",
    "thumbsdown": "👎",
    "alarm_clock": "⏰",
    "arrows_counterclockwise": "🔄",
    "bell": "🔔",
    "bomb": "💣",
    "boom": "💥",
    "bulb": "💡",
    "busts_in_silhouette": "👥",
    "calendar": "📆",
    "checkered_flag": "🏁",
    "clipboard": "📋",
    "construction": "🚧",
    "crown": "👑",
    "eyes": "👀",
    "fast_forward": "⏩",
    "fire": "🔥",
    "ghost": "👻",
    "hammer_and_wrench": "🛠️",
    "heart": "❤️",
    "heavy_check_mark": "✔️",
    "hourglass": "⌛",
    "hourglass_flowing_sand": "⏳",
    "information_source": "\u2139\ufe0f",
    "large_blue_circle": "🔵",
    "large_green_circle": "🟢",
    "large_orange_circle": "🟠",
    "large_purple_circle": "🟣",
    "large_yellow_circle": "🟡",
    "leftwards_arrow_with_hook": "\u21a9\ufe0f",
    "link": "🔗",
    "lock": "🔒",
    "loop": "➿",
    "mag": "🔍",
    "mega": "📣",
    "memo": "📝",
    "no_entry": "⛔",
    "no_entry_sign": "🚫",
    "ok_hand": "👌",
    "page_facing_up": "📄",
    "pager": "📟",
    "pencil": "📝",
    "pencil2": "✏️",
    "pray": "🙏",
    "pushpin": "📌",
    "question": "❓",
    "raised_hands": "🙌",
    "red_circle": "🔴",
    "rocket": "🚀",
    "rotating_light": "🚨",
    "scroll": "📜",
    "siren": "🚨",
    "smile": "😄",
    "sos": "🆘",
    "spiral_calendar_pad": "🗓️",
    "stopwatch": "⏱️",
    "tada": "🎉",
    "telephone_receiver": "📞",
    "thinking_face": "🤔",
    "twisted_rightwards_arrows": "🔀",
    "warning": "⚠️",
    "wave": "👋",
    "white_check_mark": "✅",
    "white_circle": "⚪",
    "white_large_square": "⬜",
    "wrench": "🔧",
    "x": "❌",
    "zap": "⚡",
}

REACTION_CHOICES = (
    "pushpin",
    "white_check_mark",
    "eyes",
    "+1",
    "fire",
    "rotating_light",
    "tada",
    "pray",
)
"""The reactions the page offers in its quick picker (any name can also be typed)."""

_SHORT_NAME = re.compile(r":([a-z0-9_+'-]+)(?:::skin-tone-[2-6])?:")


def emoji_char(name: str) -> str | None:
    """The character for ``name`` (without colons), or None when it is not in the table."""
    return EMOJI.get(name.split("::", 1)[0])


def replace_short_names(text: str) -> str:
    """``text`` with every known ``:name:`` replaced by its character."""

    def swap(match: re.Match[str]) -> str:
        return EMOJI.get(match.group(1), match.group(0))

    return _SHORT_NAME.sub(swap, text)
