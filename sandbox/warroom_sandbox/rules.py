"""Slack's input rules, as pure functions that raise :class:`ApiError` with Slack's error codes.

- Channel names: lowercase letters, digits, ``-`` and ``_``, at most 80 characters
  (``invalid_name_required``, ``invalid_name_maxlength``, ``invalid_name_specials``,
  ``invalid_name_punctuation``).
- Message content: text or blocks (``no_text``), text at most 40,000 characters
  (``msg_too_long``), at most 50 blocks, each a valid Block Kit block (``invalid_blocks`` with
  Slack's ``[ERROR] ... [json-pointer:...]`` explanations; ``invalid_blocks_format`` when
  ``blocks`` is not a JSON array).
- Views: a modal or home view whose title, blocks (at most 100) and buttons pass slack-sdk's
  model validation, otherwise ``invalid_arguments``.
- Emoji (reaction) names: Slack's short-name alphabet, otherwise ``invalid_name``.

Block Kit is checked with slack-sdk's own model classes (``Block.parse`` + ``to_dict``, which runs
``validate_json`` on every nested object), the same classes the app builds its blocks with, so the
fake is never laxer than the app's own tooling.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from warroom_sandbox.errors import ApiError

CHANNEL_NAME_MAX = 80
MESSAGE_TEXT_MAX = 40_000
MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
TOPIC_MAX = 250
PURPOSE_MAX = 250

_CHANNEL_NAME = re.compile(r"[a-z0-9_-]+")
_EMOJI_NAME = re.compile(r"[a-z0-9_+'-]{1,100}(::skin-tone-[2-6])?")


def channel_name_error(name: str | None) -> str | None:
    """The error ``conversations.create`` answers for ``name``, or None if Slack accepts it."""
    if name is None or not name.strip():
        return "invalid_name_required"
    if len(name) > CHANNEL_NAME_MAX:
        return "invalid_name_maxlength"
    if not _CHANNEL_NAME.fullmatch(name):
        return "invalid_name_specials"
    if not name.strip("-_"):
        return "invalid_name_punctuation"
    return None


def is_emoji_name(name: str) -> bool:
    """Whether ``name`` is a plausible emoji short name (no colons, lowercase)."""
    return bool(_EMOJI_NAME.fullmatch(name))


def decode_json(value: Any) -> Any:
    """Arguments such as ``blocks`` or ``view`` arrive as JSON text (form posts) or as values."""
    if isinstance(value, str | bytes):
        return json.loads(value)
    return value


def message_content(
    text: str | None,
    blocks: Any,
    *,
    new_block_id: Callable[[], str],
    attachments: Any = None,
) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """Validate what ``chat.postMessage``-like methods post; returns (text, blocks, attachments).

    ``blocks`` without a ``block_id`` get one, as Slack assigns them; the app's interaction payloads
    then carry the same ids the stored message shows.
    """
    parsed_blocks = validate_blocks(blocks, new_block_id=new_block_id) if blocks else []
    parsed_attachments = _decode_list(attachments, "invalid_attachments") if attachments else []
    text = text or ""
    if not text.strip() and not parsed_blocks and not parsed_attachments:
        raise ApiError("no_text")
    if len(text) > MESSAGE_TEXT_MAX:
        raise ApiError("msg_too_long")
    return text, parsed_blocks, parsed_attachments


def validate_blocks(
    value: Any,
    *,
    new_block_id: Callable[[], str],
    pointer: str = "/blocks",
    limit: int = MESSAGE_BLOCKS_MAX,
    error: str = "invalid_blocks",
) -> list[dict[str, Any]]:
    """Parse and check a blocks array the way Slack does for messages (or, with args, views)."""
    blocks = _decode_list(value, "invalid_blocks_format" if error == "invalid_blocks" else error)
    if len(blocks) > limit:
        raise ApiError(
            error, messages=[f"[ERROR] no more than {limit} items allowed [json-pointer:{pointer}]"]
        )
    problems: list[str] = []
    for index, block in enumerate(blocks):
        problem = block_problem(block)
        if problem:
            problems.append(f"[ERROR] {problem} [json-pointer:{pointer}/{index}]")
    if problems:
        raise ApiError(error, messages=problems)
    return [
        block if "block_id" in block else {**block, "block_id": new_block_id()} for block in blocks
    ]


def block_problem(block: Any) -> str | None:
    """Why slack-sdk's Block Kit models reject ``block``, or None when they accept it."""
    if not isinstance(block, dict) or "type" not in block:
        return "must provide an object with a type"
    try:
        text = json.dumps(block, sort_keys=True)
    except (TypeError, ValueError):  # a value no JSON request could carry
        return "must provide a JSON object"
    return _block_problem(text)


# The same blocks come again and again (a modal, a card's buttons): the models' verdict on each
# is kept, by the block's JSON (an actions block of four buttons: 7 us to write as JSON, 120
# us through the models).
@functools.lru_cache(maxsize=4096)
def _block_problem(text: str) -> str | None:
    block = json.loads(text)
    try:
        parsed = Block.parse(block)
        if parsed is None:
            return f"unsupported type: {block['type']}"
        rendered = parsed.to_dict()  # runs validate_json on the block and every nested object
    except Exception as exc:  # a malformed block can fail in any way inside the model classes
        return str(exc) or type(exc).__name__
    if _has_hole(rendered):
        return "unsupported element type"
    return None


def validate_view(value: Any, *, new_block_id: Callable[[], str]) -> dict[str, Any]:
    """Check a ``view`` argument; raises ``invalid_arguments`` with Slack-like explanations."""
    try:
        view = decode_json(value)
    except ValueError:
        raise ApiError(
            "invalid_arguments", messages=["[ERROR] invalid JSON [json-pointer:/view]"]
        ) from None
    if not isinstance(view, dict):
        raise ApiError(
            "invalid_arguments", messages=["[ERROR] must provide an object [json-pointer:/view]"]
        )
    kind = view.get("type")
    if kind not in ("modal", "home"):
        raise ApiError(
            "invalid_arguments",
            messages=[f"[ERROR] unsupported view type: {kind} [json-pointer:/view/type]"],
        )
    if kind == "modal" and not view.get("title"):
        raise ApiError(
            "invalid_arguments",
            messages=["[ERROR] missing required field: title [json-pointer:/view]"],
        )
    try:
        problem = _view_problem(json.dumps(view, sort_keys=True))
    except (TypeError, ValueError):  # a value no JSON request could carry
        problem = "must provide a JSON object"
    if problem is not None:
        raise ApiError("invalid_arguments", messages=[f"[ERROR] {problem} [json-pointer:/view]"])
    blocks = validate_blocks(
        view.get("blocks") or [],
        new_block_id=new_block_id,
        pointer="/view/blocks",
        limit=VIEW_BLOCKS_MAX,
        error="invalid_arguments",
    )
    return {**view, "blocks": blocks}


@functools.lru_cache(maxsize=1024)
def _view_problem(text: str) -> str | None:
    """Why slack-sdk's ``View`` model rejects the view (its JSON), or None (kept: see above)."""
    try:
        View(**json.loads(text)).validate_json()
    except Exception as exc:
        return str(exc)
    return None


def _decode_list(value: Any, error: str) -> list[Any]:
    try:
        decoded = decode_json(value)
    except ValueError:
        raise ApiError(error) from None
    if not isinstance(decoded, list):
        raise ApiError(error)
    return decoded


def _has_hole(node: Any) -> bool:
    """slack-sdk turns an element of unknown type into None (with a log line) instead of failing."""
    if isinstance(node, dict):
        return any(_has_hole(v) for v in node.values())
    if isinstance(node, list):
        return any(item is None or _has_hole(item) for item in node)
    return False
