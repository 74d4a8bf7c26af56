"""The fake Slack workspace: all state, the operations Slack performs on it, and test queries.

One :class:`Workspace` is one Slack team as the bot sees it. It is shared by the HTTP routes (on
the server's thread), the tests and the request driver (on theirs), so every public method takes
the one re-entrant ``lock``; a whole Web API call runs under it, which makes each call atomic like
Slack's.

Three kinds of methods:

- **operations** (``create_channel``, ``append_message``, ``react``...) apply Slack's rules and
  raise :class:`ApiError` with Slack's error codes. They do not decide *who may* call them: the
  Web API methods (``warroom_sandbox.methods``) check the caller's rights, and tests/the browser
  sandbox use ``post_as_user``/``react`` to act as a person.
- **live accessors** (``get_user``, ``get_channel``, ``find_by_name``, ``get_message``) return the
  stored records for the methods layer; use them under ``lock`` only.
- **queries** (``channel_by_name``, ``messages``, ``pins``, ``ephemerals``, ``dm_messages``,
  ``open_views``, ``responses``, ``calls``...) return deep copies, safe to keep and read anywhere.
  They are what tests assert on.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar

from warroom_sandbox.errors import ApiError
from warroom_sandbox.ids import Clock, IdFactory, is_ts, ts_key
from warroom_sandbox.modals import TRIGGER_TTL_SECONDS, ModalStore
from warroom_sandbox.model import (
    ApiCall,
    Channel,
    Edited,
    Ephemeral,
    EphemeralSource,
    Message,
    Pin,
    Reaction,
    ResponsePost,
    ResponseVia,
    StoredView,
    Team,
    User,
    UserGroup,
)
from warroom_sandbox.responses import RESPONSE_URL_TTL_SECONDS, ResponseDesk
from warroom_sandbox.rules import (
    PURPOSE_MAX,
    TOPIC_MAX,
    channel_name_error,
    is_emoji_name,
    message_content,
)
from warroom_sandbox.seed import APP_ID, BOT_ID, BOT_USER_ID, seed_channels, seed_team, seed_users

SYSTEM_SUBTYPES = frozenset(
    {
        "channel_join",
        "channel_leave",
        "channel_topic",
        "channel_purpose",
        "channel_name",
        "channel_archive",
        "channel_unarchive",
    }
)
"""Messages Slack posts by itself about the channel (joins, topic changes...)."""

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _locked(
    method: Callable[Concatenate[Workspace, _P], _R],
) -> Callable[Concatenate[Workspace, _P], _R]:
    @wraps(method)
    def wrapper(self: Workspace, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with self.lock:
            return method(self, *args, **kwargs)

    return wrapper


class Workspace:
    """A Slack team in memory: people, conversations, messages, views, interactions, calls."""

    bot_user_id = BOT_USER_ID
    bot_id = BOT_ID
    app_id = APP_ID

    def __init__(
        self,
        clock: Clock = time.time,
        *,
        trigger_ttl: float = TRIGGER_TTL_SECONDS,
        response_url_ttl: float = RESPONSE_URL_TTL_SECONDS,
    ) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.ids = IdFactory(clock)
        self._trigger_ttl = trigger_ttl
        self._response_url_ttl = response_url_ttl
        self._seed()

    def _seed(self) -> None:
        self.team: Team = seed_team()
        self.users: dict[str, User] = {u.id: u for u in seed_users(self.clock())}
        self.channels: dict[str, Channel] = {c.id: c for c in seed_channels()}
        self.history: dict[str, dict[str, Message]] = {c: {} for c in self.channels}
        self.pinned: dict[str, dict[str, Pin]] = {}
        self.usergroups: dict[str, UserGroup] = {}
        self.ephemeral: list[Ephemeral] = []
        self.response_posts: list[ResponsePost] = []
        self.call_log: list[ApiCall] = []
        self.response_error_log: list[ApiCall] = []
        self.modals = ModalStore(self.ids, self.clock, self.team.id, self._trigger_ttl)
        self.response_urls = ResponseDesk(self.ids, self.clock, self._response_url_ttl)

    @_locked
    def reset(self) -> None:
        """Forget everything and return to the seeded workspace."""
        self.ids.reset()
        self._seed()

    def now(self) -> int:
        return int(self.clock())

    # --- people -----------------------------------------------------------------------------

    @_locked
    def add_user(self, user: User) -> User:
        """Add a person (or replace one with the same id)."""
        self.users[user.id] = copy.deepcopy(user)
        return copy.deepcopy(user)

    def get_user(self, user_id: str | None) -> User:
        user = self.users.get(user_id or "")
        if user is None or user.deleted:
            raise ApiError("user_not_found")
        return user

    # --- conversations ----------------------------------------------------------------------

    def get_channel(self, channel_id: str | None) -> Channel:
        """The live conversation ``channel_id`` (``channel_not_found`` otherwise)."""
        channel = self.channels.get(channel_id or "")
        if channel is None:
            raise ApiError("channel_not_found")
        return channel

    def find_by_name(self, name: str) -> Channel | None:
        """The live channel named ``name`` (``#`` optional), or None."""
        name = name.removeprefix("#")
        return next(
            (c for c in self.channels.values() if c.kind == "channel" and c.name == name), None
        )

    @_locked
    def create_channel(
        self,
        name: str | None,
        creator: str,
        *,
        is_private: bool = False,
        members: Iterable[str] = (),
    ) -> Channel:
        """conversations.create: Slack's name rules; the creator (and ``members``) join."""
        error = channel_name_error(name)
        if error:
            raise ApiError(error)
        assert name is not None
        if self.find_by_name(name) is not None:
            raise ApiError("name_taken")
        channel = Channel(
            id=self.ids.next_id("C"),
            name=name,
            created=self.now(),
            creator=creator,
            is_private=is_private,
        )
        self.channels[channel.id] = channel
        self.history[channel.id] = {}
        for member in [creator, *members]:
            if member not in channel.members:
                self._join(channel, member, inviter=None if member == creator else creator)
        return channel

    @_locked
    def open_conversation(self, user_ids: list[str]) -> tuple[Channel, bool]:
        """conversations.open for the bot: IM (one user) or MPIM (several); (channel, existed)."""
        others = [u for u in dict.fromkeys(user_ids) if u != self.bot_user_id]
        if not user_ids:
            raise ApiError("users_list_not_supplied")
        if not others:
            raise ApiError("cannot_dm_bot")
        for user_id in others:
            self.get_user(user_id)
        if len(others) == 1:
            existing = next(
                (c for c in self.channels.values() if c.kind == "im" and c.im_user == others[0]),
                None,
            )
            if existing is not None:
                return existing, True
            channel = Channel(
                id=self.ids.next_id("D"),
                name=others[0],
                created=self.now(),
                creator=self.bot_user_id,
                kind="im",
                members=[self.bot_user_id, others[0]],
                im_user=others[0],
            )
        else:
            wanted = {self.bot_user_id, *others}
            existing = next(
                (
                    c
                    for c in self.channels.values()
                    if c.kind == "mpim" and set(c.members) == wanted
                ),
                None,
            )
            if existing is not None:
                return existing, True
            handles = sorted(self.users[u].name for u in wanted)
            channel = Channel(
                id=self.ids.next_id("G"),
                name="mpdm-" + "--".join(handles) + "-1",
                created=self.now(),
                creator=self.bot_user_id,
                kind="mpim",
                is_private=True,
                members=[self.bot_user_id, *others],
            )
        self.channels[channel.id] = channel
        self.history[channel.id] = {}
        return channel, False

    @_locked
    def join(self, channel_id: str, user_id: str) -> bool:
        """conversations.join; False when ``user_id`` already was a member."""
        channel = self._open_channel(channel_id)
        if channel.kind != "channel":
            raise ApiError("method_not_supported_for_channel_type")
        if channel.is_private:
            # Slack: a non-member cannot see a private channel, and nobody joins one (members
            # are invited); only conversations.invite adds people.
            if user_id not in channel.members:
                raise ApiError("channel_not_found")
            raise ApiError("method_not_supported_for_channel_type")
        if user_id in channel.members:
            return False
        self._join(channel, user_id, inviter=None)
        return True

    @_locked
    def leave(self, channel_id: str, user_id: str, *, remover: str | None = None) -> bool:
        """``user_id`` leaves the channel (conversations.leave), or a member ``remover`` takes
        them out (conversations.kick); False when they were not in it. The channel says so, as
        Slack does (a ``channel_leave`` message)."""
        channel = self._open_channel(channel_id)
        if channel.kind != "channel":
            raise ApiError("method_not_supported_for_channel_type")
        if remover is not None and remover not in channel.members:
            raise ApiError("not_in_channel")
        if remover == user_id:
            raise ApiError("cant_kick_self")
        if user_id not in channel.members:
            return False
        channel.members.remove(user_id)
        self.append_message(
            channel.id,
            user=user_id,
            text=f"<@{user_id}> has left the channel",
            subtype="channel_leave",
            extra={"remover": remover} if remover else {},
        )
        return True

    @_locked
    def invite(
        self, channel_id: str, inviter: str, user_ids: list[str], *, force: bool = False
    ) -> list[dict[str, Any]]:
        """conversations.invite; returns the per-user errors that ``force`` skipped.

        Without ``force`` any invalid user fails the whole call (nobody is invited) with the first
        user's error and the per-user ``errors`` list, as Slack answers.
        """
        channel = self._open_channel(channel_id)
        if channel.kind != "channel":
            raise ApiError("method_not_supported_for_channel_type")
        if inviter not in channel.members:
            raise ApiError("not_in_channel")
        if not user_ids:
            raise ApiError("no_user")
        errors: list[dict[str, Any]] = []
        valid: list[str] = []
        for user_id in dict.fromkeys(user_ids):
            error = self._invite_error(channel, inviter, user_id)
            if error:
                errors.append({"user": user_id, "ok": False, "error": error})
            else:
                valid.append(user_id)
        if errors and not force:
            raise ApiError(str(errors[0]["error"]), detail={"errors": errors})
        for user_id in valid:
            self._join(channel, user_id, inviter=inviter)
        return errors

    def _invite_error(self, channel: Channel, inviter: str, user_id: str) -> str | None:
        """Slack's refusal for one invitee. Guests are added to channels by admins, not apps: a
        single-channel guest already in a channel is ``ura_max_channels``, any other guest
        ``cant_invite``."""
        if user_id == inviter:
            return "cant_invite_self"
        user = self.users.get(user_id)
        if user is None or user.deleted:
            return "user_not_found"
        if user_id in channel.members:
            return "already_in_channel"
        if user.is_ultra_restricted and any(
            c.kind == "channel" and user_id in c.members for c in self.channels.values()
        ):
            return "ura_max_channels"
        if user.is_restricted or user.is_ultra_restricted:
            return "cant_invite"
        return None

    @_locked
    def set_topic(self, channel_id: str, user_id: str, topic: str) -> Channel:
        """conversations.setTopic; posts Slack's ``channel_topic`` message when it changes."""
        channel = self._writable(channel_id, user_id)
        if len(topic) > TOPIC_MAX:
            raise ApiError("too_long")
        if topic != channel.topic:
            channel.topic, channel.topic_creator, channel.topic_last_set = (
                topic,
                user_id,
                self.now(),
            )
            self.append_message(
                channel.id,
                user=user_id,
                text=f"set the channel topic: {topic}" if topic else "cleared the channel topic",
                subtype="channel_topic",
                extra={"topic": topic},
            )
        return channel

    @_locked
    def set_purpose(self, channel_id: str, user_id: str, purpose: str) -> Channel:
        """conversations.setPurpose; posts Slack's ``channel_purpose`` message when it changes."""
        channel = self._writable(channel_id, user_id)
        if len(purpose) > PURPOSE_MAX:
            raise ApiError("too_long")
        if purpose != channel.purpose:
            channel.purpose = purpose
            channel.purpose_creator, channel.purpose_last_set = user_id, self.now()
            self.append_message(
                channel.id,
                user=user_id,
                text=f"set the channel description: {purpose}",
                subtype="channel_purpose",
                extra={"purpose": purpose},
            )
        return channel

    @_locked
    def archive(self, channel_id: str, user_id: str) -> None:
        channel = self.get_channel(channel_id)
        if channel.kind != "channel":
            raise ApiError("method_not_supported_for_channel_type")
        if channel.is_archived:
            raise ApiError("already_archived")
        if channel.is_general:
            raise ApiError("cant_archive_general")
        if user_id not in channel.members:
            raise ApiError("not_in_channel")
        self.append_message(
            channel.id, user=user_id, text="archived the channel", subtype="channel_archive"
        )
        channel.is_archived = True

    @_locked
    def unarchive(self, channel_id: str, user_id: str) -> None:
        channel = self.get_channel(channel_id)
        if channel.kind != "channel":
            raise ApiError("method_not_supported_for_channel_type")
        if not channel.is_archived:
            raise ApiError("not_archived")
        channel.is_archived = False
        self.append_message(
            channel.id, user=user_id, text="un-archived the channel", subtype="channel_unarchive"
        )

    def _open_channel(self, channel_id: str | None) -> Channel:
        channel = self.get_channel(channel_id)
        if channel.is_archived:
            raise ApiError("is_archived")
        return channel

    def _writable(self, channel_id: str, user_id: str) -> Channel:
        channel = self._open_channel(channel_id)
        if user_id not in channel.members:
            raise ApiError("not_in_channel")
        return channel

    def _join(self, channel: Channel, user_id: str, *, inviter: str | None) -> None:
        channel.members.append(user_id)
        extra = {"inviter": inviter} if inviter else {}
        self.append_message(
            channel.id,
            user=user_id,
            text=f"<@{user_id}> has joined the channel",
            subtype="channel_join",
            extra=extra,
        )

    # --- messages ---------------------------------------------------------------------------

    def get_message(self, channel_id: str, ts: str | None) -> Message:
        """The live message ``ts`` in ``channel_id`` (``message_not_found`` otherwise)."""
        message = self.history.get(channel_id, {}).get(ts or "")
        if message is None:
            raise ApiError("message_not_found")
        return message

    @_locked
    def append_message(
        self,
        channel_id: str,
        *,
        user: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        reply_broadcast: bool = False,
        subtype: str | None = None,
        extra: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        ts: str | None = None,
    ) -> Message:
        """Store a message as given (no permission or content checks); the bot's get a bot_id."""
        if ts is None:
            ts = self.ids.next_ts()
        else:
            if not is_ts(ts) or ts in self.history[channel_id]:
                raise ApiError("invalid_ts")
            self.ids.observe_ts(ts)
        is_bot = user == self.bot_user_id and subtype is None
        message = Message(
            channel=channel_id,
            ts=ts,
            text=text,
            user=user,
            bot_id=self.bot_id if is_bot else None,
            app_id=self.app_id if is_bot else None,
            blocks=list(blocks or []),
            attachments=list(attachments or []),
            thread_ts=thread_ts,
            reply_broadcast=reply_broadcast,
            subtype=subtype,
            metadata=metadata,
            extra=dict(extra or {}),
        )
        parent = self.history[channel_id].get(thread_ts or "")
        if parent is not None and parent.ts != ts:
            parent.thread_ts = parent.ts
            parent.reply_ts.append(ts)
            if user not in parent.reply_users:
                parent.reply_users.append(user)
            message.extra["parent_user_id"] = parent.user
        self.history[channel_id][ts] = message
        return message

    @_locked
    def post_as_user(
        self,
        user_id: str,
        channel_id: str,
        text: str,
        *,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        ts: str | None = None,
    ) -> Message:
        """A person writes in a conversation they belong to (tests; the browser sandbox)."""
        self.get_user(user_id)
        channel = self._writable(channel_id, user_id)
        text, parsed, _ = message_content(text, blocks, new_block_id=self.ids.block_id)
        return copy.deepcopy(
            self.append_message(
                channel.id, user=user_id, text=text, blocks=parsed, thread_ts=thread_ts, ts=ts
            )
        )

    @_locked
    def update_message(
        self,
        channel_id: str,
        ts: str,
        editor: str,
        *,
        text: str,
        blocks: list[dict[str, Any]] | None,
        attachments: list[dict[str, Any]] | None = None,
    ) -> Message:
        """chat.update: only the author may edit (``cant_update_message``)."""
        channel = self._open_channel(channel_id)
        message = self.get_message(channel.id, ts)
        if message.user != editor or message.subtype in SYSTEM_SUBTYPES:
            raise ApiError("cant_update_message")
        message.text = text
        if blocks is not None:
            message.blocks = blocks
        if attachments is not None:
            message.attachments = attachments
        message.edited = Edited(user=editor, ts=self.ids.next_ts())
        return message

    @_locked
    def delete_message(self, channel_id: str, ts: str, actor: str) -> None:
        """chat.delete: the bot may delete only its own messages (``cant_delete_message``)."""
        channel = self.get_channel(channel_id)
        message = self.get_message(channel.id, ts)
        if message.user != actor:
            raise ApiError("cant_delete_message")
        self._remove(message)

    def _remove(self, message: Message) -> None:
        del self.history[message.channel][message.ts]
        self.pinned.get(message.channel, {}).pop(message.ts, None)
        parent = self.history[message.channel].get(message.thread_ts or "")
        if parent is not None and message.ts in parent.reply_ts:
            parent.reply_ts.remove(message.ts)

    # --- pins and reactions -----------------------------------------------------------------

    @_locked
    def pin(self, channel_id: str, ts: str | None, user_id: str) -> None:
        channel = self._open_channel(channel_id)
        if not ts:
            raise ApiError("no_item_specified")
        message = self.get_message(channel.id, ts)
        pins = self.pinned.setdefault(channel.id, {})
        if ts in pins:
            raise ApiError("already_pinned")
        pins[ts] = Pin(channel=channel.id, ts=ts, created=self.now(), created_by=user_id)
        message.pinned_to.append(channel.id)

    @_locked
    def unpin(self, channel_id: str, ts: str | None) -> None:
        channel = self.get_channel(channel_id)
        if not ts:
            raise ApiError("no_item_specified")
        message = self.get_message(channel.id, ts)
        if self.pinned.get(channel.id, {}).pop(ts, None) is None:
            raise ApiError("no_pin")
        message.pinned_to.remove(channel.id)

    @_locked
    def react(self, channel_id: str, ts: str | None, user_id: str, name: str) -> Message:
        """reactions.add (also for people: the driver's ``reaction_added``)."""
        channel = self._open_channel(channel_id)
        if not ts:
            raise ApiError("no_item_specified")
        message = self.get_message(channel.id, ts)
        name = name.strip()
        if not is_emoji_name(name):
            raise ApiError("invalid_name")
        reaction = message.reaction(name)
        if reaction is None:
            reaction = Reaction(name=name)
            message.reactions.append(reaction)
        if user_id in reaction.users:
            raise ApiError("already_reacted")
        reaction.users.append(user_id)
        return copy.deepcopy(message)

    @_locked
    def unreact(self, channel_id: str, ts: str | None, user_id: str, name: str) -> None:
        channel = self.get_channel(channel_id)
        if not ts:
            raise ApiError("no_item_specified")
        message = self.get_message(channel.id, ts)
        reaction = message.reaction(name)
        if reaction is None or user_id not in reaction.users:
            raise ApiError("no_reaction")
        reaction.users.remove(user_id)
        if not reaction.users:
            message.reactions.remove(reaction)

    # --- ephemeral messages and interaction responses ---------------------------------------

    @_locked
    def add_ephemeral(
        self,
        channel_id: str,
        user_id: str,
        *,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        via: EphemeralSource = "chat.postEphemeral",
    ) -> Ephemeral:
        ephemeral = Ephemeral(
            channel=channel_id,
            user=user_id,
            ts=self.ids.next_ts(),
            text=text,
            blocks=list(blocks or []),
            attachments=list(attachments or []),
            thread_ts=thread_ts,
            via=via,
        )
        self.ephemeral.append(ephemeral)
        return ephemeral

    @_locked
    def issue_trigger_id(self, user_id: str) -> str:
        """A trigger id for an interaction by ``user_id`` (valid once, for 3 seconds)."""
        self.get_user(user_id)
        return self.modals.issue_trigger(user_id)

    @_locked
    def new_response_token(
        self,
        channel_id: str,
        user_id: str,
        *,
        message_ts: str | None = None,
        ephemeral_ts: str | None = None,
    ) -> str:
        """A response_url token for an interaction by ``user_id`` in ``channel_id``."""
        return self.response_urls.grant(
            channel_id, user_id, message_ts=message_ts, ephemeral_ts=ephemeral_ts
        )

    @_locked
    def deliver_response(self, token: str, body: Any) -> None:
        """A POST to a response_url: Slack's limits, then what the body asks for."""
        grant = self.response_urls.redeem(token)
        self._respond(
            "response_url",
            grant.channel_id,
            grant.user_id,
            body,
            token=token,
            message_ts=grant.message_ts,
            ephemeral_ts=grant.ephemeral_ts,
        )

    @_locked
    def answer_with_ack(self, channel_id: str, user_id: str, body: Any) -> None:
        """The app answered a slash command in its HTTP ack: Slack shows it like a response."""
        self._respond("ack", channel_id, user_id, body)

    def _respond(
        self,
        via: ResponseVia,
        channel_id: str,
        user_id: str,
        body: Any,
        *,
        token: str | None = None,
        message_ts: str | None = None,
        ephemeral_ts: str | None = None,
    ) -> None:
        if not isinstance(body, dict):
            raise ApiError("invalid_payload", status=400)
        self._apply_response(channel_id, user_id, body, via, message_ts, ephemeral_ts)
        self.response_posts.append(
            ResponsePost(
                via=via,
                channel_id=channel_id,
                user_id=user_id,
                body=copy.deepcopy(body),
                at=self.clock(),
                token=token,
            )
        )

    def _apply_response(
        self,
        channel_id: str,
        user_id: str,
        body: dict[str, Any],
        via: ResponseVia,
        message_ts: str | None,
        ephemeral_ts: str | None,
    ) -> None:
        if body.get("delete_original"):
            self._delete_original(channel_id, message_ts, ephemeral_ts)
            return
        try:
            text, blocks, attachments = message_content(
                body.get("text"),
                body.get("blocks"),
                new_block_id=self.ids.block_id,
                attachments=body.get("attachments"),
            )
        except ApiError as error:
            raise ApiError(error.error, status=400, messages=error.messages) from None
        if body.get("replace_original") and (message_ts or ephemeral_ts):
            self._replace_original(channel_id, message_ts, ephemeral_ts, text, blocks)
            return
        thread_ts = body.get("thread_ts")
        if body.get("response_type") == "in_channel":
            self.append_message(
                channel_id,
                user=self.bot_user_id,
                text=text,
                blocks=blocks,
                attachments=attachments,
                thread_ts=thread_ts,
            )
        else:
            self.add_ephemeral(
                channel_id,
                user_id,
                text=text,
                blocks=blocks,
                attachments=attachments,
                thread_ts=thread_ts,
                via=via,
            )

    def _delete_original(
        self, channel_id: str, message_ts: str | None, ephemeral_ts: str | None
    ) -> None:
        if ephemeral_ts:
            self.ephemeral = [e for e in self.ephemeral if e.ts != ephemeral_ts]
        elif message_ts and message_ts in self.history.get(channel_id, {}):
            self._remove(self.history[channel_id][message_ts])

    def _replace_original(
        self,
        channel_id: str,
        message_ts: str | None,
        ephemeral_ts: str | None,
        text: str,
        blocks: list[dict[str, Any]],
    ) -> None:
        if ephemeral_ts:
            for ephemeral in self.ephemeral:
                if ephemeral.ts == ephemeral_ts:
                    ephemeral.text, ephemeral.blocks = text, blocks
            return
        message = self.history.get(channel_id, {}).get(message_ts or "")
        if message is not None:
            message.text, message.blocks = text, blocks
            message.edited = Edited(user=self.bot_user_id, ts=self.ids.next_ts())

    # --- views ------------------------------------------------------------------------------

    @_locked
    def answer_view_submission(
        self, user_id: str, view_id: str, answer: dict[str, Any] | None
    ) -> None:
        """Apply the app's ack to a view_submission (see :meth:`ModalStore.answer_submission`)."""
        self.modals.answer_submission(user_id, view_id, answer)

    @_locked
    def close_views(self, user_id: str) -> None:
        """The user pressed Cancel: the whole modal stack closes."""
        self.modals.close(user_id)

    @_locked
    def close_top_view(self, user_id: str, view_id: str) -> None:
        """The user pressed Back on a pushed modal: only ``view_id`` (the top one) closes."""
        self.modals.close_top(user_id, view_id)

    @_locked
    def dismiss_ephemeral(self, user_id: str, ts: str) -> bool:
        """The user dismissed an ephemeral message of theirs; False if there was none."""
        kept = [e for e in self.ephemeral if not (e.user == user_id and e.ts == ts)]
        dismissed = len(kept) != len(self.ephemeral)
        self.ephemeral = kept
        return dismissed

    # --- recording --------------------------------------------------------------------------

    @_locked
    def record_call(self, call: ApiCall) -> None:
        self.call_log.append(call)

    @_locked
    def record_response_error(self, call: ApiCall) -> None:
        """A response_url post the fake refused (expired, used up, invalid blocks...)."""
        self.response_error_log.append(call)

    # --- queries (deep copies) --------------------------------------------------------------

    @_locked
    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Every Web API call so far (or those of ``method``), oldest first."""
        return copy.deepcopy([c for c in self.call_log if method is None or c.method == method])

    @_locked
    def response_errors(self) -> list[ApiCall]:
        """The refused response_url posts, oldest first (method ``response_url``)."""
        return copy.deepcopy(self.response_error_log)

    @_locked
    def all_users(self) -> list[User]:
        """Everyone in the workspace, the bot and deleted users included."""
        return copy.deepcopy(list(self.users.values()))

    @_locked
    def user(self, user_id: str) -> User:
        return copy.deepcopy(self.get_user(user_id))

    @_locked
    def channel(self, channel_id: str) -> Channel:
        return copy.deepcopy(self.get_channel(channel_id))

    @_locked
    def find_channel(self, name: str) -> Channel | None:
        """The channel named ``name`` (with or without ``#``), or None."""
        found = self.find_by_name(name)
        return copy.deepcopy(found) if found is not None else None

    @_locked
    def channel_by_name(self, name: str) -> Channel:
        """The channel named ``name``; a LookupError naming the existing channels otherwise."""
        found = self.find_by_name(name)
        if found is None:
            names = sorted(c.name for c in self.channels.values() if c.kind == "channel")
            raise LookupError(f"no channel #{name.removeprefix('#')}; there are: {names}")
        return copy.deepcopy(found)

    @_locked
    def conversations(self) -> list[Channel]:
        return copy.deepcopy(list(self.channels.values()))

    @_locked
    def messages(
        self,
        channel_id: str,
        *,
        include_replies: bool = True,
        include_system: bool = False,
    ) -> list[Message]:
        """Messages in ``channel_id``, oldest first.

        Slack's own join/topic/archive notices are left out unless ``include_system``; thread
        replies are included unless ``include_replies`` is False.
        """
        found = [
            m
            for m in sorted(self.history.get(channel_id, {}).values(), key=lambda m: ts_key(m.ts))
            if (include_system or m.subtype not in SYSTEM_SUBTYPES)
            and (include_replies or not m.is_reply or m.reply_broadcast)
        ]
        return copy.deepcopy(found)

    @_locked
    def message(self, channel_id: str, ts: str) -> Message:
        return copy.deepcopy(self.get_message(channel_id, ts))

    @_locked
    def thread(self, channel_id: str, ts: str) -> list[Message]:
        """The replies to message ``ts``, oldest first (without the parent)."""
        return [m for m in self.messages(channel_id) if m.thread_ts == ts and m.ts != ts]

    @_locked
    def pins(self, channel_id: str) -> list[Message]:
        """The pinned messages of ``channel_id``, in the order they were pinned."""
        return [
            copy.deepcopy(self.history[channel_id][pin.ts])
            for pin in self.pinned.get(channel_id, {}).values()
        ]

    @_locked
    def ephemerals(
        self, user_id: str | None = None, *, channel_id: str | None = None
    ) -> list[Ephemeral]:
        """Ephemeral messages (chat.postEphemeral, response_url, ack), oldest first."""
        return copy.deepcopy(
            [
                e
                for e in self.ephemeral
                if (user_id is None or e.user == user_id)
                and (channel_id is None or e.channel == channel_id)
            ]
        )

    @_locked
    def dm_channel(self, user_id: str) -> Channel | None:
        """The bot's IM with ``user_id``, if one was opened."""
        found = next(
            (c for c in self.channels.values() if c.kind == "im" and c.im_user == user_id), None
        )
        return copy.deepcopy(found) if found is not None else None

    @_locked
    def dm_messages(self, user_id: str) -> list[Message]:
        """Messages in the bot's IM with ``user_id`` (empty if none was opened)."""
        channel = self.dm_channel(user_id)
        return self.messages(channel.id) if channel is not None else []

    @_locked
    def responses(self, *, user_id: str | None = None) -> list[ResponsePost]:
        """Answers to interactions (response_url posts and ack bodies), oldest first."""
        return copy.deepcopy(
            [r for r in self.response_posts if user_id is None or r.user_id == user_id]
        )

    @_locked
    def open_views(self, user_id: str) -> list[dict[str, Any]]:
        """The modal stack ``user_id`` sees, bottom first, as views.open returned each view."""
        return copy.deepcopy([v.payload for v in self.modals.open_stack(user_id)])

    @_locked
    def view(self, view_id: str) -> StoredView:
        """Any view ever opened or published (closed ones included)."""
        found = self.modals.views.get(view_id)
        if found is None:
            raise LookupError(f"no view {view_id}")
        return copy.deepcopy(found)

    @_locked
    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """The App Home view published for ``user_id``."""
        view_id = self.modals.homes.get(user_id)
        return copy.deepcopy(self.modals.views[view_id].payload) if view_id else None
