"""Every Slack request warroom reads, as typed models: parsed once at the edge, total.

``parse_request`` takes the verified raw body and returns one of the request models, or raises
``MalformedRequest`` naming what was wrong. The request kind comes from the body's real shape:
a form with a ``command`` field is a slash command, a form with a ``payload`` field is an
interaction, a JSON object with a ``type`` is an Events API callback. (slack_bolt's own parser
looks for the substring ``payload`` anywhere in the body, so ``/incident declare payload errors``
would be taken for an interaction.)

Models keep only what the listeners read and ignore the rest, so Slack adding fields never
breaks them. Bolt routes on the model's own fields (``as_bolt_body``), so nothing unchecked
reaches it either; listeners get the model from the Bolt context (``request_of``).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from bot.kernel.web.forms import TooManyFields, form_pairs

# Slack ids, trigger ids and timestamps are short printable ASCII; bounds keep hostile input small.
Id = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$")]
# No NUL: PostgreSQL cannot store it in text, and Slack never sends it.
Text = Annotated[str, Field(max_length=40_000, pattern=r"^[^\x00]*$")]
# Database ids carried in button values and modal metadata: what a 32-bit integer column holds.
RowId = Annotated[int, Field(ge=1, le=2**31 - 1)]
MAX_FORM_FIELDS = 200  # a slash command has fifteen, an interaction one


class MalformedRequest(ValueError):
    """A signed request whose body is not a Slack request warroom understands (answered 400)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Ref(_Model):
    id: Id


class Option(_Model):
    value: Text


class Action(_Model):
    """One element of ``block_actions.actions``: a button (``value``) or a menu (its option)."""

    action_id: Id
    block_id: Id | None = None
    value: Text | None = None
    selected_option: Option | None = None

    @property
    def chosen(self) -> str:
        """The button's value or the picked option's value ("" when there is none)."""
        if self.selected_option is not None:
            return self.selected_option.value
        return self.value or ""


class InputValue(_Model):
    """One input element's state in a submitted view."""

    type: Id | None = None
    value: Text | None = None
    selected_option: Option | None = None
    selected_options: list[Option] = Field(default_factory=list)  # checkboxes, multi-selects

    @property
    def chosen(self) -> str | None:
        return self.selected_option.value if self.selected_option else self.value


class ViewState(_Model):
    values: dict[Id, dict[Id, InputValue]] = Field(default_factory=dict)


class View(_Model):
    id: Id
    type: Id = "modal"
    hash: Id | None = None
    callback_id: Annotated[str, Field(max_length=255)] = ""
    private_metadata: Annotated[str, Field(max_length=3000)] = ""
    state: ViewState = Field(default_factory=ViewState)

    def value(self, block_id: str) -> str | None:
        """The value typed or picked in the input block ``block_id`` (its one element)."""
        actions = self.state.values.get(block_id) or {}
        return next((action.chosen for action in actions.values()), None)

    def checked(self, block_id: str) -> set[str]:
        """The values ticked in the checkboxes (or multi-select) of input block ``block_id``."""
        actions = self.state.values.get(block_id) or {}
        return {option.value for action in actions.values() for option in action.selected_options}

    def values(self) -> dict[str, str | None]:
        return {block_id: self.value(block_id) for block_id in self.state.values}

    def first_block(self) -> str | None:
        return next(iter(self.state.values), None)


class Message(_Model):
    ts: Id
    text: Text = ""
    user: Id | None = None
    thread_ts: Id | None = None  # a reply's thread (its parent's ts)


class SlashCommand(_Model):
    command: Id
    text: Text = ""
    user_id: Id
    channel_id: Id
    trigger_id: Id
    response_url: Text


class BlockActions(_Model):
    """A click; on a message (``channel`` set) Slack always gives a ``response_url``."""

    type: Literal["block_actions"]
    user: Ref
    channel: Ref | None = None
    trigger_id: Id
    response_url: Text | None = None
    actions: Annotated[list[Action], Field(min_length=1, max_length=50)]
    view: View | None = None

    @model_validator(mode="after")
    def _answerable(self) -> BlockActions:
        if self.channel is not None and not self.response_url:
            raise ValueError("a click on a message needs its response_url")
        return self

    @property
    def action(self) -> Action:
        return self.actions[0]

    @property
    def channel_id(self) -> str:
        """The channel of the message whose button was pressed (a DM for page buttons)."""
        if self.channel is None:
            raise MalformedRequest("this button is not in a channel")
        return self.channel.id


class ViewSubmission(_Model):
    type: Literal["view_submission"]
    user: Ref
    trigger_id: Id | None = None
    view: View


class ViewClosed(_Model):
    type: Literal["view_closed"]
    user: Ref


class MessageShortcut(_Model):
    type: Literal["message_action"]
    callback_id: Id
    user: Ref
    channel: Ref
    message: Message
    trigger_id: Id
    response_url: Text


class GlobalShortcut(_Model):
    type: Literal["shortcut"]
    callback_id: Id
    user: Ref
    trigger_id: Id


class BlockSuggestion(_Model):
    type: Literal["block_suggestion"]
    user: Ref


class Item(_Model):
    type: Id
    channel: Id | None = None
    ts: Id | None = None


class ReactionAdded(_Model):
    type: Literal["reaction_added"]
    user: Id
    reaction: Id
    item: Item


class OtherEvent(_Model):
    type: Id


class EventCallback(_Model):
    type: Literal["event_callback"]
    event_id: Id
    event: ReactionAdded | OtherEvent


class UrlVerification(_Model):
    type: Literal["url_verification"]
    challenge: Annotated[str, Field(max_length=255)]


Interaction = (
    BlockActions | ViewSubmission | ViewClosed | MessageShortcut | GlobalShortcut | BlockSuggestion
)
SlackRequest = SlashCommand | Interaction | EventCallback | UrlVerification

_INTERACTIONS: dict[str, type[_Model]] = {
    "block_actions": BlockActions,
    "view_submission": ViewSubmission,
    "view_closed": ViewClosed,
    "message_action": MessageShortcut,
    "shortcut": GlobalShortcut,
    "block_suggestion": BlockSuggestion,
}
_EVENTS: dict[str, type[_Model]] = {
    "event_callback": EventCallback,
    "url_verification": UrlVerification,
}
_READ_INTERACTION: TypeAdapter[Interaction] = TypeAdapter(
    Annotated[Interaction, Field(discriminator="type")]
)
_READ_EVENT: TypeAdapter[EventCallback | UrlVerification] = TypeAdapter(
    Annotated[EventCallback | UrlVerification, Field(discriminator="type")]
)


def parse_request(content_type: str, body: bytes) -> SlackRequest:
    """The typed request; ``MalformedRequest`` naming what is wrong when it is not one."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedRequest("the body is not UTF-8") from None
    if content_type.split(";")[0].strip().lower() == "application/json":
        return _from_json(_READ_EVENT, _EVENTS, text, "the body")
    try:
        form = dict(form_pairs(text, max_fields=MAX_FORM_FIELDS))
    except TooManyFields as error:
        raise MalformedRequest(str(error)) from None
    if "payload" in form and "command" not in form:
        return _from_json(_READ_INTERACTION, _INTERACTIONS, form["payload"], "the payload field")
    if "command" in form:
        return _model(SlashCommand, form)
    raise MalformedRequest("expected a slash command, an interaction payload or a JSON event")


def as_bolt_body(request: SlackRequest) -> dict[str, Any]:
    """The checked request as the dict Bolt routes on and builds its context from."""
    return request.model_dump(mode="json", exclude_none=True)


def _from_json(
    adapter: TypeAdapter[Any], models: dict[str, type[_Model]], text: str, what: str
) -> SlackRequest:
    try:
        # Read in Rust, building only the fields the model keeps: a click or a submission
        # carries the whole card or modal, which ``json.loads`` turned into objects first.
        return cast(SlackRequest, adapter.validate_json(text))
    except ValidationError:
        return _validate(models, _json_object(text, what))  # what is wrong, named as it says


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise MalformedRequest(f"{what} is not valid JSON") from None
    if not isinstance(value, dict):
        raise MalformedRequest(f"{what} is not a JSON object")
    return value


def _validate(models: dict[str, type[_Model]], raw: dict[str, Any]) -> SlackRequest:
    kind = raw.get("type")
    model = models.get(kind) if isinstance(kind, str) else None
    if model is None:
        known = ", ".join(sorted(models))
        raise MalformedRequest(f"unknown request type {str(kind)[:40]!r} (expected one of {known})")
    return cast(SlackRequest, _model(model, raw))


M = TypeVar("M", bound=BaseModel)


def _model(model: type[M], raw: dict[str, Any]) -> M:
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the body"
        raise MalformedRequest(f"{where}: {first['msg']}") from None


class BadMetadata(ValueError):
    """A modal's private_metadata or a button's value that warroom did not write."""


def metadata(model: type[M], raw: str) -> M:
    """A modal's ``private_metadata`` (which warroom wrote as JSON) as ``model``."""
    try:
        return model.model_validate_json(raw or "{}")
    except ValidationError:
        raise BadMetadata("this form's hidden data is damaged; open it again") from None


def row_id(value: str) -> int:
    """A database id carried in a button's value."""
    if not value.isascii() or not value.isdigit() or not 1 <= int(value[:12]) <= 2**31 - 1:
        raise BadMetadata("this button's value is damaged; use a fresh message")
    return int(value)


R = TypeVar("R")


def request_of(context: Any, model: type[R]) -> R:
    """The typed request the edge parsed for this listener (see ``bot.kernel.slack.edge``)."""
    request = context.get("request")
    if not isinstance(request, model):
        raise BadMetadata(f"expected a {model.__name__} request")
    return request
