"""Block Kit to HTML for the page: message blocks and modal views.

Every string from a block is escaped (text objects go through :mod:`warroom_sandbox.web.mrkdwn`).
Interactive elements carry what the page's script needs to turn a click into Slack's payload:
``data-action-id``, ``data-block-id`` and ``data-kind`` (the element type); ``bk-act`` marks an
element whose use sends ``block_actions`` right away (buttons, selects, overflow menus and pickers
outside input blocks, and inputs with ``dispatch_action``); ``bk-field`` marks a modal input whose
value is collected on submit. A button's ``confirm`` object rides along as ``data-confirm`` (JSON
with the dialog's strings; ``text`` is HTML rendered here).

Supported blocks: section (text, fields, accessory), header, context, divider, actions, image,
input, rich_text, markdown. Supported elements: button, static/users/conversations/channels
selects and their multi forms, overflow, datepicker, timepicker, datetimepicker, checkboxes, radio
buttons, image, plain text / number / email / URL inputs. Anything else is drawn as a visible
"unsupported" placeholder rather than dropped, so a developer sees that the page cannot show what
Slack would.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from markupsafe import Markup

from warroom_sandbox.web.directory import Directory
from warroom_sandbox.web.emoji import replace_short_names
from warroom_sandbox.web.mrkdwn import mrkdwn, plain

SELECTS = {
    "static_select",
    "external_select",
    "users_select",
    "conversations_select",
    "channels_select",
}
MULTI_SELECTS = {f"multi_{kind}" for kind in SELECTS}
TEXT_INPUTS = {"plain_text_input", "number_input", "email_text_input", "url_text_input"}
PICKERS = {"datepicker": "date", "timepicker": "time", "datetimepicker": "datetime-local"}
CHOICES = {"checkboxes", "radio_buttons"}
REQUIRED_MESSAGE = "Please complete this required field."


def text_object(obj: Any, directory: Directory) -> Markup:
    """A ``plain_text``/``mrkdwn`` text object (or a bare string, as some fields allow)."""
    if isinstance(obj, str):
        return plain(obj)
    if not isinstance(obj, Mapping):
        return Markup("")
    text = str(obj.get("text") or "")
    if obj.get("type") == "mrkdwn":
        return mrkdwn(text, directory)
    return plain(text, emoji=obj.get("emoji", True) is not False)


def plain_string(obj: Any) -> str:
    """The raw text of a text object, with known short names drawn (for ``<option>`` labels)."""
    if isinstance(obj, str):
        return replace_short_names(obj)
    if isinstance(obj, Mapping):
        return replace_short_names(str(obj.get("text") or ""))
    return ""


def blocks_html(
    blocks: Iterable[Mapping[str, Any]],
    directory: Directory,
    *,
    errors: Mapping[str, str] | None = None,
) -> Markup:
    """The blocks of a message or a view; ``errors`` (by block id) are shown under inputs."""
    return Markup("").join(block_html(block, directory, errors or {}) for block in blocks)


def block_html(block: Mapping[str, Any], directory: Directory, errors: Mapping[str, str]) -> Markup:
    kind = str(block.get("type", ""))
    block_id = str(block.get("block_id", ""))
    renderer = _BLOCKS.get(kind)
    if renderer is None:
        inner = Markup('<span class="bk-unsupported">Unsupported block: {}</span>').format(kind)
    else:
        inner = renderer(block, directory, block_id, errors)
    flagged = " has-error" if kind == "input" and errors.get(block_id) else ""
    return Markup('<div class="bk bk-{}{}" data-block-id="{}">{}</div>').format(
        kind, flagged, block_id, inner
    )


# --- blocks -------------------------------------------------------------------------------------


def _section(
    block: Mapping[str, Any], d: Directory, block_id: str, errors: Mapping[str, str]
) -> Markup:
    body = Markup("")
    if block.get("text"):
        body += Markup('<div class="bk-text">{}</div>').format(text_object(block["text"], d))
    fields = block.get("fields") or []
    if fields:
        cells = Markup("").join(
            Markup('<div class="bk-field-cell">{}</div>').format(text_object(f, d)) for f in fields
        )
        body += Markup('<div class="bk-fields">{}</div>').format(cells)
    accessory = block.get("accessory")
    side = (
        Markup('<div class="bk-accessory">{}</div>').format(
            element_html(accessory, d, block_id=block_id)
        )
        if isinstance(accessory, Mapping)
        else Markup("")
    )
    return Markup('<div class="bk-section-body">{}</div>{}').format(body, side)


def _header(
    block: Mapping[str, Any], d: Directory, block_id: str, errors: Mapping[str, str]
) -> Markup:
    return Markup('<div class="bk-header-text">{}</div>').format(text_object(block.get("text"), d))


def _divider(
    block: Mapping[str, Any], d: Directory, block_id: str, errors: Mapping[str, str]
) -> Markup:
    return Markup('<hr class="bk-divider">')


def _context(
    block: Mapping[str, Any], d: Directory, block_id: str, errors: Mapping[str, str]
) -> Markup:
    items = Markup("")
    for element in block.get("elements") or []:
        if isinstance(element, Mapping) and element.get("type") == "image":
            items += _image_tag(element, "bk-context-img")
        else:
            items += Markup('<span class="bk-context-text">{}</span>').format(
                text_object(element, d)
            )
    return items


def _actions(
    block: Mapping[str, Any], d: Directory, block_id: str, errors: Mapping[str, str]
) -> Markup:
    return Markup("").join(
        element_html(element, d, block_id=block_id)
        for element in block.get("elements") or []
        if isinstance(element, Mapping)
    )


def _image(
    block: Mapping[str, Any], d: Directory, block_id: str, errors: Mapping[str, str]
) -> Markup:
    title = block.get("title")
    caption = (
        Markup('<div class="bk-image-title">{}</div>').format(text_object(title, d))
        if title
        else Markup("")
    )
    return caption + _image_tag(block, "bk-image-img")


def _input(
    block: Mapping[str, Any], d: Directory, block_id: str, errors: Mapping[str, str]
) -> Markup:
    element = block.get("element")
    optional = (
        Markup(' <span class="bk-optional">(optional)</span>') if block.get("optional") else ""
    )
    label = Markup('<label class="bk-label">{}{}</label>').format(
        text_object(block.get("label"), d), optional
    )
    control = (
        element_html(
            element,
            d,
            block_id=block_id,
            in_input=True,
            dispatch=bool(block.get("dispatch_action")),
            optional=bool(block.get("optional")),
        )
        if isinstance(element, Mapping)
        else Markup('<span class="bk-unsupported">input without an element</span>')
    )
    hint = (
        Markup('<div class="bk-hint">{}</div>').format(text_object(block["hint"], d))
        if block.get("hint")
        else Markup("")
    )
    error = errors.get(block_id)
    shown = (
        Markup('<div class="bk-error" role="alert">{}</div>').format(error) if error else Markup("")
    )
    return label + control + hint + shown


def _rich_text(
    block: Mapping[str, Any], d: Directory, block_id: str, errors: Mapping[str, str]
) -> Markup:
    return Markup("").join(_rich_part(part, d) for part in block.get("elements") or [])


def _rich_part(part: Any, d: Directory) -> Markup:
    if not isinstance(part, Mapping):
        return Markup("")
    kind = part.get("type")
    inline = Markup("").join(_rich_inline(e, d) for e in part.get("elements") or [])
    if kind == "rich_text_section":
        return Markup('<div class="rt-section">{}</div>').format(inline)
    if kind == "rich_text_preformatted":
        return Markup('<pre class="md-pre">{}</pre>').format(inline)
    if kind == "rich_text_quote":
        return Markup('<blockquote class="md-quote">{}</blockquote>').format(inline)
    if kind == "rich_text_list":
        tag = "ol" if part.get("style") == "ordered" else "ul"
        items = Markup("").join(
            Markup("<li>{}</li>").format(
                Markup("").join(_rich_inline(e, d) for e in item.get("elements") or [])
            )
            for item in part.get("elements") or []
            if isinstance(item, Mapping)
        )
        return Markup("<{0}>{1}</{0}>").format(Markup(tag), items)
    return Markup('<span class="bk-unsupported">Unsupported rich text: {}</span>').format(kind)


def _rich_inline(element: Any, d: Directory) -> Markup:
    if not isinstance(element, Mapping):
        return Markup("")
    kind = element.get("type")
    if kind == "text":
        html = plain(str(element.get("text") or ""))
        style = element.get("style") or {}
        for flag, tag in (("code", "code"), ("strike", "s"), ("italic", "i"), ("bold", "b")):
            if style.get(flag):
                html = Markup("<{0}>{1}</{0}>").format(Markup(tag), html)
        return html
    if kind == "link":
        label = str(element.get("text") or element.get("url") or "")
        return mrkdwn(f"<{element.get('url', '')}|{label}>", d)
    if kind == "user":
        return mrkdwn(f"<@{element.get('user_id', '')}>", d)
    if kind == "channel":
        return mrkdwn(f"<#{element.get('channel_id', '')}>", d)
    if kind == "broadcast":
        return mrkdwn(f"<!{element.get('range', 'here')}>", d)
    if kind == "emoji":
        return plain(f":{element.get('name', '')}:")
    if kind == "date":
        fallback = str(element.get("fallback") or "")
        return mrkdwn(f"<!date^{element.get('timestamp')}^{element.get('format')}|{fallback}>", d)
    return Markup('<span class="bk-unsupported">{}</span>').format(kind)


_MD_BOLD = re.compile(r"\*\*(.+?)\*\*")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")


def _markdown(
    block: Mapping[str, Any], d: Directory, block_id: str, errors: Mapping[str, str]
) -> Markup:
    """The ``markdown`` block (standard Markdown): bold, links and code, shown as mrkdwn."""
    text = str(block.get("text") or "")
    text = _MD_LINK.sub(r"<\2|\1>", _MD_BOLD.sub(r"*\1*", text))
    return Markup('<div class="bk-text">{}</div>').format(mrkdwn(text, d))


_Renderer = Callable[[Mapping[str, Any], Directory, str, Mapping[str, str]], Markup]
_BLOCKS: dict[str, _Renderer] = {
    "section": _section,
    "header": _header,
    "divider": _divider,
    "context": _context,
    "actions": _actions,
    "image": _image,
    "input": _input,
    "rich_text": _rich_text,
    "markdown": _markdown,
}

# --- elements -----------------------------------------------------------------------------------


def element_html(
    element: Mapping[str, Any],
    d: Directory,
    *,
    block_id: str,
    in_input: bool = False,
    dispatch: bool = False,
    optional: bool = True,
) -> Markup:
    """One element. In an input block it is a ``bk-field`` (and ``bk-act`` with ``dispatch``)."""
    kind = str(element.get("type", ""))
    roles = ["bk-field"] if in_input else []
    if not in_input or dispatch:
        roles.append("bk-act")
    attrs: dict[str, Any] = {
        "class": " ".join(["bk-el", f"bk-{kind}", *roles]),
        "data-action-id": element.get("action_id"),
        "data-block-id": block_id,
        "data-kind": kind,
        "data-required": None if optional else "1",
    }
    if kind == "button":
        return _button(element, d, attrs)
    if kind == "overflow":
        return _overflow(element, d, attrs)
    if kind in SELECTS or kind in MULTI_SELECTS:
        return _select(element, d, attrs, multi=kind in MULTI_SELECTS)
    if kind in TEXT_INPUTS:
        return _text_input(element, attrs)
    if kind in PICKERS:
        return _picker(element, d, attrs)
    if kind in CHOICES:
        return _choices(element, d, attrs)
    if kind == "image":
        return _image_tag(element, "bk-img-el")
    return Markup('<span class="bk-unsupported">Unsupported element: {}</span>').format(kind)


def _attrs(values: Mapping[str, Any]) -> Markup:
    """HTML attributes: None and False are left out, True is written bare (``selected``)."""
    return Markup("").join(
        Markup(" {}").format(Markup(name))
        if value is True
        else Markup(' {}="{}"').format(Markup(name), value)
        for name, value in values.items()
        if value is not None and value is not False
    )


def confirm_data(confirm: Any, d: Directory) -> str | None:
    """A confirm object as the JSON the page's dialog reads, or None when there is none."""
    if not isinstance(confirm, Mapping):
        return None
    return json.dumps(
        {
            "title": plain_string(confirm.get("title")) or "Are you sure?",
            "html": str(text_object(confirm.get("text"), d)),
            "confirm": plain_string(confirm.get("confirm")) or "Yes",
            "deny": plain_string(confirm.get("deny")) or "Cancel",
            "style": confirm.get("style") or "",
        }
    )


def _button(element: Mapping[str, Any], d: Directory, attrs: dict[str, Any]) -> Markup:
    style = element.get("style")
    attrs = {
        **attrs,
        "type": "button",
        "class": attrs["class"] + (f" bk-style-{style}" if style else ""),
        "data-value": element.get("value"),
        "data-url": element.get("url"),
        "data-confirm": confirm_data(element.get("confirm"), d),
    }
    return Markup("<button{}>{}</button>").format(
        _attrs(attrs), text_object(element.get("text"), d)
    )


def _overflow(element: Mapping[str, Any], d: Directory, attrs: dict[str, Any]) -> Markup:
    options = Markup("").join(
        Markup('<button type="button" class="bk-overflow-option"{}>{}</button>').format(
            _attrs({"data-value": option.get("value"), "data-url": option.get("url")}),
            text_object(option.get("text"), d),
        )
        for option in element.get("options") or []
        if isinstance(option, Mapping)
    )
    attrs = {**attrs, "data-confirm": confirm_data(element.get("confirm"), d)}
    return Markup(
        '<span{}><button type="button" class="bk-overflow-toggle" aria-label="More actions">'
        '&#8943;</button><span class="bk-menu" hidden>{}</span></span>'
    ).format(_attrs(attrs), options)


def _options(element: Mapping[str, Any], d: Directory) -> list[tuple[str, str, str | None]]:
    """(value, label, group) for a select's choices; people and channels come from ``d``."""
    kind = str(element.get("type", "")).removeprefix("multi_")
    if kind == "users_select":
        return [(u.id, u.real_name, None) for u in d.people()]
    if kind in ("conversations_select", "channels_select"):
        return [
            (c.id, f"#{c.name}", None)
            for c in d.channels.values()
            if c.kind == "channel" and not c.is_archived and not c.is_private
        ]
    found: list[tuple[str, str, str | None]] = []
    for option in element.get("options") or []:
        found.append((str(option.get("value", "")), plain_string(option.get("text")), None))
    for group in element.get("option_groups") or []:
        label = plain_string(group.get("label"))
        for option in group.get("options") or []:
            found.append((str(option.get("value", "")), plain_string(option.get("text")), label))
    return found


def _initial_values(element: Mapping[str, Any]) -> set[str]:
    values: set[str] = set()
    for key in ("initial_option",):
        option = element.get(key)
        if isinstance(option, Mapping):
            values.add(str(option.get("value", "")))
    for option in element.get("initial_options") or []:
        if isinstance(option, Mapping):
            values.add(str(option.get("value", "")))
    for key in ("initial_user", "initial_conversation", "initial_channel"):
        if element.get(key):
            values.add(str(element[key]))
    for key in ("initial_users", "initial_conversations", "initial_channels"):
        values.update(str(v) for v in element.get(key) or [])
    return values


def _select(
    element: Mapping[str, Any], d: Directory, attrs: dict[str, Any], *, multi: bool
) -> Markup:
    choices = _options(element, d)
    selected = _initial_values(element)
    placeholder = plain_string(element.get("placeholder")) or "Select an item"
    body = Markup("") if multi else Markup('<option value="">{}</option>').format(placeholder)
    group: str | None = None
    for value, label, option_group in choices:
        if option_group != group:
            if group is not None:
                body += Markup("</optgroup>")
            if option_group is not None:
                body += Markup('<optgroup label="{}">').format(option_group)
            group = option_group
        body += Markup("<option{}>{}</option>").format(
            _attrs({"value": value, "selected": value in selected}), label
        )
    if group is not None:
        body += Markup("</optgroup>")
    disabled = element.get("type") in ("external_select", "multi_external_select")
    attrs = {
        **attrs,
        "multiple": multi,
        "disabled": disabled,
        "title": "external selects load their options from the app: not supported"
        if disabled
        else None,
        "data-confirm": confirm_data(element.get("confirm"), d),
        "aria-label": placeholder,
    }
    return Markup("<select{}>{}</select>").format(_attrs(attrs), body)


def _text_input(element: Mapping[str, Any], attrs: dict[str, Any]) -> Markup:
    kind = element.get("type")
    placeholder = plain_string(element.get("placeholder")) or None
    initial = element.get("initial_value")
    attrs = {
        **attrs,
        "placeholder": placeholder,
        "maxlength": element.get("max_length"),
        "data-min-length": element.get("min_length"),
        "aria-label": placeholder or element.get("action_id"),
    }
    if kind == "plain_text_input" and element.get("multiline"):
        return Markup("<textarea{} rows=4>{}</textarea>").format(_attrs(attrs), initial or "")
    input_type = {"number_input": "number", "email_text_input": "email", "url_text_input": "url"}
    attrs["type"] = input_type.get(str(kind), "text")
    attrs["value"] = initial
    if kind == "number_input":
        attrs["step"] = "any" if element.get("is_decimal_allowed") else "1"
        attrs["min"] = element.get("min_value")
        attrs["max"] = element.get("max_value")
    return Markup("<input{}>").format(_attrs(attrs))


def _picker(element: Mapping[str, Any], d: Directory, attrs: dict[str, Any]) -> Markup:
    kind = str(element.get("type"))
    initial: Any = {
        "datepicker": element.get("initial_date"),
        "timepicker": element.get("initial_time"),
        "datetimepicker": None,
    }[kind]
    if kind == "datetimepicker" and element.get("initial_date_time"):
        local: datetime = d.local(int(element["initial_date_time"]))
        initial = local.strftime("%Y-%m-%dT%H:%M")
    attrs = {
        **attrs,
        "type": PICKERS[kind],
        "value": initial,
        "aria-label": plain_string(element.get("placeholder")) or kind,
        "data-confirm": confirm_data(element.get("confirm"), d),
    }
    return Markup("<input{}>").format(_attrs(attrs))


def _choices(element: Mapping[str, Any], d: Directory, attrs: dict[str, Any]) -> Markup:
    kind = str(element.get("type"))
    selected = _initial_values(element)
    input_type = "checkbox" if kind == "checkboxes" else "radio"
    name = f"{attrs['data-block-id']}.{attrs['data-action-id']}"
    items = Markup("")
    for option in element.get("options") or []:
        if not isinstance(option, Mapping):
            continue
        value = str(option.get("value", ""))
        description = (
            Markup('<span class="bk-choice-desc">{}</span>').format(
                text_object(option["description"], d)
            )
            if option.get("description")
            else Markup("")
        )
        items += Markup('<label class="bk-choice"><input{}> {}{}</label>').format(
            _attrs(
                {"type": input_type, "name": name, "value": value, "checked": value in selected}
            ),
            text_object(option.get("text"), d),
            description,
        )
    return Markup("<div{}>{}</div>").format(_attrs(attrs), items)


def _image_tag(element: Mapping[str, Any], css_class: str) -> Markup:
    url = str(element.get("image_url") or "")
    source = url if url.startswith(("https://", "http://", "data:image/")) else None
    return Markup("<img{}>").format(
        _attrs(
            {
                "class": css_class,
                "src": source,
                "alt": element.get("alt_text") or "",
                "title": element.get("alt_text") or None,
                "loading": "lazy",
                "referrerpolicy": "no-referrer",
            }
        )
    )
