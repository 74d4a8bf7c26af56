"""The sandbox page's regions, rendered on the server for one viewer and one conversation.

:func:`render` returns every region as an HTML string (sidebar, status, banners, header, pins,
messages, modal, API log) plus what the composer needs. The page's script swaps a region only
when its HTML changed, so the server stays the one place that knows how Slack shows things and
the script stays small.

Who sees what follows Slack: private channels, DMs and MPIMs only to their members; ephemeral
messages and Slackbot notices only to their user; modals only to the user whose click opened
them. Showing a conversation to its viewer marks it read (the unread markers in the sidebar).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from markupsafe import Markup

from warroom_sandbox.ids import ts_key
from warroom_sandbox.model import ApiCall, Channel, Ephemeral, Message
from warroom_sandbox.web.actions import Result
from warroom_sandbox.web.blockkit import blocks_html, plain_string, text_object
from warroom_sandbox.web.delivery import BotLink
from warroom_sandbox.web.desk import Desk, Notice
from warroom_sandbox.web.directory import Directory
from warroom_sandbox.web.emoji import emoji_char
from warroom_sandbox.web.manifest import Manifest
from warroom_sandbox.web.mrkdwn import mrkdwn
from warroom_sandbox.workspace import SYSTEM_SUBTYPES, Workspace

QUIET_ERRORS = frozenset({"ratelimited"})
"""API errors the banner leaves to the log: the bot's client waits and retries them."""

BANNER_ERRORS = 5
LOG_CALLS = 80
_AVATAR_COLOURS = ("#1264a3", "#2bac76", "#e01e5a", "#ecb22e", "#7c3085", "#0b4c8c", "#de4e2b")


class BotControl(Protocol):
    """Stopping and starting the bot from the page (``warroom dev`` runs it in-process)."""

    @property
    def bot_running(self) -> bool: ...

    def stop_bot(self) -> None: ...

    def start_bot(self) -> None: ...

    def beat(self, monitor: str) -> Result: ...


@dataclass(frozen=True)
class Line:
    """A banner line from outside the workspace (the scenario runner, startup notes)."""

    kind: str
    html: Markup


@dataclass(frozen=True)
class PhoneLine:
    """A text or call the local Twilio carried (``warroom dev``), as the sidebar shows it."""

    heading: str  # "Text to +1212...", "Call to ...", "Text from ..."
    text: str
    status: str


@dataclass(frozen=True)
class HeartbeatLine:
    """A monitor of ``heartbeats.yaml`` and how often the page or a scenario beat it."""

    monitor: str
    beats: int


@dataclass
class PageContext:
    """Everything the page reads: the workspace and what the sandbox keeps beside it."""

    ws: Workspace
    desk: Desk
    link: BotLink
    manifest: Manifest
    bot: BotControl | None = None
    lines: Callable[[], Sequence[Line]] = field(default=lambda: ())
    phones: Callable[[], Sequence[PhoneLine]] = field(default=lambda: ())
    heartbeats: Callable[[], Sequence[HeartbeatLine]] = field(default=lambda: ())


@dataclass(frozen=True)
class Rendered:
    viewer: str
    channel: str
    regions: dict[str, str]
    composer: dict[str, Any]
    title: str

    def to_json(self) -> dict[str, Any]:
        return {
            "as": self.viewer,
            "channel": self.channel,
            "regions": self.regions,
            "composer": self.composer,
            "title": self.title,
        }


def visible_to(channel: Channel, viewer: str) -> bool:
    if channel.kind == "im":
        return channel.im_user == viewer
    if channel.kind == "mpim" or channel.is_private:
        return viewer in channel.members
    return True


def resolve_channel(ws: Workspace, viewer: str, wanted: str | None) -> Channel:
    """The conversation to show: ``wanted`` if the viewer may see it, else #general."""
    conversations = {c.id: c for c in ws.conversations()}
    chosen = conversations.get(wanted or "")
    if chosen is not None and visible_to(chosen, viewer):
        return chosen
    general = next((c for c in conversations.values() if c.is_general), None)
    return general or next(iter(conversations.values()))


def render(ctx: PageContext, viewer: str, wanted: str | None) -> Rendered:
    """Every region for ``viewer`` looking at ``wanted`` (see :func:`resolve_channel`)."""
    ws = ctx.ws
    directory = Directory.of(ws, viewer)
    channel = resolve_channel(ws, viewer, wanted)
    messages = ws.messages(channel.id, include_system=True)
    latest = messages[-1].ts if messages else None
    if latest is not None:
        ctx.desk.mark_read(viewer, channel.id, latest)
    composer = _composer(ctx, directory, channel)
    regions = {
        "sidebar": str(sidebar(ctx, directory, channel.id)),
        "status": str(status(ctx)),
        "banners": str(banners(ctx, directory)),
        "header": str(header(ctx, directory, channel)),
        "pins": str(pins(ctx, directory, channel)),
        "messages": str(conversation(ctx, directory, channel, messages)),
        "modal": str(modal(ctx, directory)),
        "log": str(api_log(ctx, directory)),
    }
    title = f"{directory.channel_label(channel.id)} · {ws.team.name} · warroom sandbox"
    return Rendered(viewer, channel.id, regions, composer, title)


# --- sidebar ------------------------------------------------------------------------------------


def unread_count(ctx: PageContext, viewer: str, channel_id: str) -> int:
    marker = ctx.desk.last_read(viewer, channel_id)
    since = ts_key(marker) if marker else (0, 0)
    return sum(
        1
        for m in ctx.ws.messages(channel_id, include_replies=False)
        if m.user != viewer and ts_key(m.ts) > since
    )


def sidebar(ctx: PageContext, d: Directory, current: str) -> Markup:
    viewer = d.viewer.id
    mine: list[Channel] = []
    others: list[Channel] = []
    dms: list[Channel] = []
    for channel in sorted(d.channels.values(), key=_sidebar_order):
        hidden = channel.is_archived and viewer not in channel.members
        if hidden or not visible_to(channel, viewer):
            continue
        if channel.kind == "channel":
            (mine if viewer in channel.members else others).append(channel)
        else:
            dms.append(channel)
    out = Markup('<nav class="side-section"><h3>Channels</h3>')
    out += Markup("").join(_side_link(ctx, d, c, current) for c in mine)
    out += Markup("</nav>")
    if others:
        out += Markup('<nav class="side-section"><h3>More channels</h3>')
        out += Markup("").join(_side_link(ctx, d, c, current, joined=False) for c in others)
        out += Markup("</nav>")
    out += Markup('<nav class="side-section"><h3>Direct messages</h3>')
    out += Markup("").join(_side_link(ctx, d, c, current) for c in dms)
    out += Markup("</nav>")
    if not any(c.kind == "im" for c in dms):
        out += Markup(
            '<nav class="side-section"><h3>Apps</h3><button type="button" class="side-link" '
            'data-open-dm="1"><span class="side-icon">&#9670;</span>warroom</button></nav>'
        )
    return out + _user_groups(ctx, d) + _phones(ctx) + _heartbeats(ctx) + _status_page()


def _status_page() -> Markup:
    """warroom's public status page (served by the bot on this origin), as customers see it."""
    return Markup(
        '<nav class="side-section"><h3>Status page</h3><a class="side-link" href="/status" '
        'target="_blank" rel="noopener"><span class="side-icon">&#9673;</span>'
        '<span class="side-name">/status (public)</span></a></nav>'
    )


PHONE_LINES = 8


def _phones(ctx: PageContext) -> Markup:
    """The latest texts and calls of the local Twilio, newest first."""
    lines = list(ctx.phones())[-PHONE_LINES:]
    if not lines:
        return Markup("")
    out = Markup('<nav class="side-section phones"><h3>Texts and calls (Twilio)</h3>')
    for line in reversed(lines):
        out += Markup(
            '<div class="side-link phone" title="{}"><span class="side-icon">&#9742;</span>'
            '<span class="side-name">{} ({}): {}</span></div>'
        ).format(line.text, line.heading, line.status, line.text)
    return out + Markup("</nav>")


def _heartbeats(ctx: PageContext) -> Markup:
    """The heartbeat monitors, each with a *Beat* button: what the monitored job would send."""
    lines = list(ctx.heartbeats())
    if not lines or ctx.bot is None:
        return Markup("")
    out = Markup('<nav class="side-section heartbeats"><h3>Heartbeats</h3>')
    for line in lines:
        out += Markup(
            '<div class="side-link heartbeat" title="POST /webhooks/heartbeat/{}: {} from here">'
            '<span class="side-icon">&#9829;</span><span class="side-name">{}</span>'
            '<span class="beats">{}</span>'
            '<button type="button" class="bot-control" data-beat="{}">Beat</button></div>'
        ).format(line.monitor, _beats(line.beats), line.monitor, line.beats, line.monitor)
    return out + Markup("</nav>")


def _beats(count: int) -> str:
    return "no beat" if count == 0 else "1 beat" if count == 1 else f"{count} beats"


def _user_groups(ctx: PageContext, d: Directory) -> Markup:
    """The workspace's user groups and who is in each (warroom keeps on-call ones current)."""
    with ctx.ws.lock:
        groups = [(g.handle, list(g.users)) for g in ctx.ws.usergroups.values()]
    if not groups:
        return Markup("")
    out = Markup('<nav class="side-section"><h3>User groups</h3>')
    for handle, users in sorted(groups):
        names = ", ".join(d.users[u].real_name if u in d.users else u for u in users)
        out += Markup(
            '<div class="side-link usergroup" title="{}"><span class="side-icon">@</span>'
            '<span class="side-name">{}: {}</span></div>'
        ).format(names or "nobody", handle, names or "nobody")
    return out + Markup("</nav>")


def _sidebar_order(channel: Channel) -> tuple[int, str]:
    rank = 0 if channel.is_general else 1 if not channel.name.startswith("inc-") else 2
    return rank, channel.name


def _side_link(
    ctx: PageContext, d: Directory, channel: Channel, current: str, *, joined: bool = True
) -> Markup:
    unread = unread_count(ctx, d.viewer.id, channel.id) if joined and channel.id != current else 0
    classes = ["side-link"]
    if channel.id == current:
        classes.append("active")
    if unread:
        classes.append("unread")
    if not joined:
        classes.append("not-joined")
    if channel.is_archived:
        classes.append("archived")
    if channel.kind == "channel":
        icon = Markup("&#128274;") if channel.is_private else Markup("#")
        label = channel.name
    else:
        icon = Markup("&#9679;")
        label = d.channel_label(channel.id)
    badge = Markup('<span class="badge">{}</span>').format(unread) if unread else Markup("")
    return Markup(
        '<a class="{}" href="?channel={}" data-channel="{}" data-name="{}">'
        '<span class="side-icon">{}</span><span class="side-name">{}</span>{}</a>'
    ).format(" ".join(classes), channel.id, channel.id, label, icon, label, badge)


# --- status and banners -------------------------------------------------------------------------


def status(ctx: PageContext) -> Markup:
    up, detail, _ = ctx.link.health.snapshot()
    running = ctx.bot.bot_running if ctx.bot is not None else None
    if up is None:
        state, words = "starting", "starting"
    elif up:
        state, words = "up", "online"
    else:
        state, words = "down", "not responding"
    control = Markup("")
    if ctx.bot is not None:
        label, verb = ("Stop bot", "stop") if running else ("Start bot", "start")
        control = Markup(
            '<button type="button" class="bot-control" data-bot="{}">{}</button>'
        ).format(verb, label)
    return Markup(
        '<div class="bot-status bot-{}" title="{}"><span class="dot"></span>warroom {}</div>{}'
    ).format(state, detail or words, words, control)


def api_problems(ctx: PageContext) -> list[ApiCall]:
    """The bot's refused Web API calls and response_url posts since the banner was dismissed."""
    since = ctx.desk.dismissed_at
    failed = [
        c
        for c in [*ctx.ws.calls(), *ctx.ws.response_errors()]
        if not c.ok and c.at > since and c.error not in QUIET_ERRORS
    ]
    return sorted(failed, key=lambda c: c.at)


def banners(ctx: PageContext, d: Directory) -> Markup:
    out = Markup("")
    up, detail, _ = ctx.link.health.snapshot()
    pending = ctx.link.pending_events()
    if up is False:
        waiting = (
            Markup(" {} event(s) wait for Slack&#39;s retries.").format(len(pending))
            if pending
            else Markup("")
        )
        out += Markup(
            '<div class="banner danger" data-banner="bot-down"><b>warroom is not answering</b> '
            "at /slack/events ({}). Slash commands and clicks fail as they would in Slack; "
            "messages and reactions are kept.{}</div>"
        ).format(detail or "no answer", waiting)
    elif pending:
        out += Markup(
            '<div class="banner info">{} event(s) wait for Slack&#39;s retries.</div>'
        ).format(len(pending))
    problems = api_problems(ctx)
    refused = ctx.desk.problems()
    if problems or refused:
        items = Markup("")
        for call in problems[-BANNER_ERRORS:]:
            items += Markup("<li><code>{}</code> &rarr; <code>{}</code>{}</li>").format(
                call.method, call.error, _explain(call.response)
            )
        for problem in refused[-BANNER_ERRORS:]:
            details = Markup("").join(
                Markup('<div class="why">{}</div>').format(m) for m in problem.messages
            )
            items += Markup("<li>{} &rarr; <code>{}</code>{}</li>").format(
                problem.source, problem.error, details
            )
        count = len(problems) + len(refused)
        newest = max([c.at for c in problems] + [p.at for p in refused])
        out += Markup(
            '<div class="banner warn" data-banner="api-errors"><div class="banner-head">'
            "<b>Slack refused {} of warroom&#39;s requests</b>"
            '<button type="button" class="link" data-dismiss-errors="{}">Dismiss</button></div>'
            "<ul>{}</ul></div>"
        ).format(count, newest, items)
    for line in ctx.lines():
        out += Markup('<div class="banner {}">{}</div>').format(line.kind, line.html)
    for note in ctx.manifest.notes:
        out += Markup('<div class="banner info">{}</div>').format(note)
    return out


def _explain(response: dict[str, Any]) -> Markup:
    messages = (response.get("response_metadata") or {}).get("messages") or []
    return Markup("").join(Markup('<div class="why">{}</div>').format(m) for m in messages[:5])


# --- header, pins, composer ---------------------------------------------------------------------


def header(ctx: PageContext, d: Directory, channel: Channel) -> Markup:
    if channel.kind == "im":
        title = Markup('{} <span class="app-badge">APP</span>').format(d.channel_label(channel.id))
    else:
        icon = "&#128274; " if channel.is_private else "#"
        title = Markup(icon) + Markup("{}").format(
            channel.name if channel.kind == "channel" else d.channel_label(channel.id)
        )
    topic = (
        Markup('<div class="topic" title="Topic">{}</div>').format(mrkdwn(channel.topic, d))
        if channel.topic
        else Markup("")
    )
    pinned = len(ctx.ws.pins(channel.id))
    pins_button = (
        Markup(
            '<button type="button" class="pins-toggle" data-toggle="pins">'
            "&#128204; {} pinned</button>"
        ).format(pinned)
        if pinned
        else Markup("")
    )
    members = Markup('<span class="members" title="{}">&#128101; {}</span>').format(
        ", ".join(d.full_name(m) for m in channel.members), len(channel.members)
    )
    calls = len(ctx.ws.calls())
    log_button = Markup(
        '<button type="button" class="log-toggle" data-toggle="log">API log ({})</button>'
    ).format(calls)
    return Markup(
        '<div class="header-main"><h1>{}</h1>{}</div><div class="header-side">{}{}{}</div>'
    ).format(title, topic, members, pins_button, log_button)


def pins(ctx: PageContext, d: Directory, channel: Channel) -> Markup:
    pinned = ctx.ws.pins(channel.id)
    if not pinned:
        return Markup('<div class="pins-empty">Nothing is pinned here.</div>')
    items = Markup("").join(
        Markup('<a class="pin-item" href="#m-{}" data-scroll="{}"><b>{}</b> {}</a>').format(
            m.ts.replace(".", "-"),
            m.ts.replace(".", "-"),
            d.display_name(m.user),
            _snippet(m.text or m.all_text),
        )
        for m in pinned
    )
    return Markup("<h2>Pinned</h2>") + items


def _snippet(text: str, limit: int = 140) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _composer(ctx: PageContext, d: Directory, channel: Channel) -> dict[str, Any]:
    viewer = d.viewer.id
    label = d.channel_label(channel.id)
    if channel.is_archived:
        mode = "archived"
    elif channel.kind == "channel" and viewer not in channel.members:
        mode = "join"
    else:
        mode = "compose"
    return {
        "mode": mode,
        "placeholder": f"Message {label}",
        "label": label,
    }


# --- messages -----------------------------------------------------------------------------------


def conversation(
    ctx: PageContext, d: Directory, channel: Channel, messages: list[Message]
) -> Markup:
    viewer = d.viewer.id
    top_level = [m for m in messages if not m.is_reply or m.reply_broadcast]
    replies: dict[str, list[Message]] = {}
    for message in messages:
        if message.is_reply and message.thread_ts:
            replies.setdefault(message.thread_ts, []).append(message)
    entries: list[tuple[tuple[int, int], Markup]] = []
    for message in top_level:
        entries.append((ts_key(message.ts), _message(ctx, d, message, replies.get(message.ts, []))))
    for ephemeral in ctx.ws.ephemerals(viewer, channel_id=channel.id):
        entries.append((ts_key(ephemeral.ts), _ephemeral(d, ephemeral)))
    for notice in ctx.desk.notices(viewer, channel.id):
        entries.append((ts_key(notice.ts), _notice(d, notice)))
    entries.sort(key=lambda e: e[0])
    home = _home_tab(ctx, d) if channel.kind == "im" and channel.im_user == viewer else Markup("")
    if not entries:
        return home + Markup(
            '<div class="empty">This is the very beginning of <b>{}</b>. Try '
            "<code>/incident declare Checkout is slow sev2</code> or <code>/incident</code>.</div>"
        ).format(d.channel_label(channel.id))
    if channel.kind == "channel" and viewer not in channel.members:
        join = Markup(
            '<div class="join-note">You are viewing <b>#{}</b> without being a member.</div>'
        ).format(channel.name)
        return Markup("").join(e[1] for e in entries) + join
    return home + Markup("").join(e[1] for e in entries)


def _home_tab(ctx: PageContext, d: Directory) -> Markup:
    """The App Home the bot published for the viewer (``views.publish``), above its messages."""
    view = ctx.ws.home_view(d.viewer.id)
    if view is None:
        return Markup("")
    return Markup(
        '<details class="home-tab" open><summary>Home</summary>'
        '<form class="home-view" data-view-id="{}" novalidate>{}</form></details>'
    ).format(view["id"], blocks_html(view.get("blocks") or [], d))


def _avatar(d: Directory, user_id: str, *, bot: bool) -> Markup:
    if bot:
        return Markup('<div class="avatar bot" aria-hidden="true">W</div>')
    name = d.full_name(user_id)
    initials = "".join(part[0] for part in name.split()[:2]).upper() or "?"
    colour = _AVATAR_COLOURS[int(hashlib.sha1(user_id.encode()).hexdigest(), 16) % 7]
    return Markup('<div class="avatar" style="background:{}" aria-hidden="true">{}</div>').format(
        colour, initials
    )


def _time(d: Directory, ts: str) -> Markup:
    local = d.local(float(ts))
    hour = local.hour % 12 or 12
    words = f"{hour}:{local:%M} {'AM' if local.hour < 12 else 'PM'}"
    return Markup('<time class="msg-time" datetime="{}" title="{}">{}</time>').format(
        local.isoformat(), local.strftime("%A, %B %d %H:%M:%S %Z"), words
    )


def _body(d: Directory, text: str, blocks: list[dict[str, Any]], attachments: list[Any]) -> Markup:
    body = (
        blocks_html(blocks, d)
        if blocks
        else Markup('<div class="msg-text">{}</div>').format(mrkdwn(text, d))
    )
    for attachment in attachments:
        if isinstance(attachment, dict):
            body += _attachment(d, attachment)
    return body


def _attachment(d: Directory, attachment: dict[str, Any]) -> Markup:
    colour = str(attachment.get("color") or "#dddddd")
    if not colour.startswith("#") and colour not in ("good", "warning", "danger"):
        colour = f"#{colour}"
    colour = {"good": "#2eb886", "warning": "#daa038", "danger": "#a30200"}.get(colour, colour)
    inner = Markup("")
    for key in ("pretext", "title", "text"):
        if attachment.get(key):
            inner += Markup('<div class="att-{}">{}</div>').format(
                key, mrkdwn(str(attachment[key]), d)
            )
    for item in attachment.get("fields") or []:
        inner += Markup('<div class="att-field"><b>{}</b><div>{}</div></div>').format(
            item.get("title", ""), mrkdwn(str(item.get("value", "")), d)
        )
    if attachment.get("blocks"):
        inner += blocks_html(attachment["blocks"], d)
    return Markup('<div class="attachment" style="border-color:{}">{}</div>').format(colour, inner)


def _reactions(d: Directory, message: Message) -> Markup:
    chips = Markup("")
    for reaction in message.reactions:
        mine = d.viewer.id in reaction.users
        face = emoji_char(reaction.name)
        names = ", ".join(d.display_name(u) for u in reaction.users)
        chips += Markup(
            '<button type="button" class="reaction{}" data-reaction="{}" '
            'title="{} reacted with :{}:">{} <span>{}</span></button>'
        ).format(
            " mine" if mine else "",
            reaction.name,
            names,
            reaction.name,
            face or f":{reaction.name}:",
            len(reaction.users),
        )
    return chips


def _shortcut_menu(ctx: PageContext) -> Markup:
    items = Markup("").join(
        Markup('<button type="button" class="menu-item" data-shortcut="{}">{}</button>').format(
            s.callback_id, s.name
        )
        for s in ctx.manifest.message_shortcuts
    )
    if not items:
        return Markup("")
    return Markup(
        '<span class="tool-wrap"><button type="button" class="tool more" title="More actions" '
        'aria-label="More actions">&#8942;</button><span class="menu" hidden>'
        '<span class="menu-title">warroom</span>{}</span></span>'
    ).format(items)


def _message(ctx: PageContext, d: Directory, message: Message, replies: list[Message]) -> Markup:
    anchor = "m-" + message.ts.replace(".", "-")
    if message.subtype in SYSTEM_SUBTYPES:
        return Markup(
            '<div class="msg system" id="{}" data-channel="{}" data-ts="{}">{} {}</div>'
        ).format(
            anchor,
            message.channel,
            message.ts,
            mrkdwn(_system_text(d, message), d),
            _time(d, message.ts),
        )
    bot = bool(message.bot_id)
    author = d.display_name(message.user)
    badge = Markup(' <span class="app-badge">APP</span>') if bot else Markup("")
    pinned = (
        Markup('<div class="msg-pinned">&#128204; Pinned</div>')
        if message.pinned_to
        else Markup("")
    )
    body = _body(d, message.text, message.blocks, message.attachments)
    thread = Markup("")
    if replies:
        thread = Markup('<details class="thread"><summary>{} repl{}</summary>{}</details>').format(
            len(replies),
            "y" if len(replies) == 1 else "ies",
            Markup("").join(_message(ctx, d, r, []) for r in replies),
        )
    inner = Markup(
        '{}<div class="msg-head"><span class="author">{}</span>{}{}</div>'
        '<div class="msg-body">{}</div><div class="reactions">{}</div>{}'
    ).format(pinned, author, badge, _time(d, message.ts), body, _reactions(d, message), thread)
    tools = Markup(
        '<div class="msg-tools"><button type="button" class="tool react" title="Add reaction" '
        'aria-label="Add reaction">&#9786;+</button>{}</div>'
    ).format(_shortcut_menu(ctx))
    signature = hashlib.sha1(str(inner).encode()).hexdigest()[:12]
    return Markup(
        '<div class="msg{}{}" id="{}" data-channel="{}" data-ts="{}" data-sig="{}">{}'
        '<div class="msg-main">{}</div>{}</div>'
    ).format(
        " from-bot" if bot else "",
        " pinned" if message.pinned_to else "",
        anchor,
        message.channel,
        message.ts,
        signature,
        _avatar(d, message.user, bot=bot),
        inner,
        tools,
    )


def _system_text(d: Directory, message: Message) -> str:
    if message.subtype == "channel_join":
        inviter = message.extra.get("inviter")
        by = f" (invited by <@{inviter}>)" if inviter else ""
        return f"<@{message.user}> joined the channel{by}."
    return f"<@{message.user}> {message.text.removeprefix(f'<@{message.user}> ')}"


def _ephemeral(d: Directory, ephemeral: Ephemeral) -> Markup:
    body = _body(d, ephemeral.text, ephemeral.blocks, ephemeral.attachments)
    return Markup(
        '<div class="msg ephemeral from-bot" id="e-{}" data-channel="{}" data-ts="{}" '
        'data-ephemeral="1">{}<div class="msg-main"><div class="msg-head"><span class="author">'
        'warroom</span> <span class="app-badge">APP</span>{}<span class="only-you">Only visible '
        'to you</span></div><div class="msg-body">{}</div><button type="button" class="link '
        'dismiss" data-dismiss-ts="{}">Dismiss</button></div></div>'
    ).format(
        ephemeral.ts.replace(".", "-"),
        ephemeral.channel,
        ephemeral.ts,
        _avatar(d, "", bot=True),
        _time(d, ephemeral.ts),
        body,
        ephemeral.ts,
    )


def _notice(d: Directory, notice: Notice) -> Markup:
    return Markup(
        '<div class="msg ephemeral slackbot" data-notice="{}"><div class="avatar slackbot" '
        'aria-hidden="true">S</div><div class="msg-main"><div class="msg-head"><span '
        'class="author">Slackbot</span>{}<span class="only-you">Only visible to you</span></div>'
        '<div class="msg-body">{}</div><button type="button" class="link dismiss" '
        'data-dismiss-notice="{}">Dismiss</button></div></div>'
    ).format(notice.id, _time(d, notice.ts), mrkdwn(notice.text, d), notice.id)


# --- modal --------------------------------------------------------------------------------------


def modal(ctx: PageContext, d: Directory) -> Markup:
    stack = ctx.ws.open_views(d.viewer.id)
    if not stack:
        return Markup("")
    view = stack[-1]
    stored = ctx.ws.view(str(view["id"]))
    trouble = ctx.desk.trouble(str(view["id"]))
    trouble_html = (
        Markup('<div class="modal-trouble" role="alert">{}</div>').format(trouble)
        if trouble
        else Markup("")
    )
    back = (
        Markup(
            '<button type="button" class="modal-back" data-modal="back" '
            'aria-label="Back">&#8249;</button>'
        )
        if len(stack) > 1
        else Markup("")
    )
    submit = view.get("submit")
    submit_button = (
        Markup('<button type="submit" class="primary">{}</button>').format(plain_string(submit))
        if submit
        else Markup("")
    )
    close_label = plain_string(view.get("close")) or ("Cancel" if submit else "Close")
    return Markup(
        '<div class="modal-backdrop"><form class="modal" data-view-id="{}" data-view-hash="{}" '
        'novalidate><header>{}<h2>{}</h2><button type="button" class="modal-x" data-modal="close" '
        'aria-label="Close">&times;</button></header>{}<div class="modal-body">{}</div><footer>'
        '<button type="button" data-modal="close">{}</button>{}</footer></form></div>'
    ).format(
        view["id"],
        view.get("hash", ""),
        back,
        text_object(view.get("title"), d),
        trouble_html,
        blocks_html(view.get("blocks") or [], d, errors=stored.errors),
        close_label,
        submit_button,
    )


# --- API log ------------------------------------------------------------------------------------


def api_log(ctx: PageContext, d: Directory) -> Markup:
    calls = [*ctx.ws.calls(), *ctx.ws.response_errors()]
    calls.sort(key=lambda c: c.at)
    rows = Markup("")
    for call in reversed(calls[-LOG_CALLS:]):
        result = (
            Markup('<span class="ok">ok</span>')
            if call.ok
            else Markup('<span class="err">{}</span>').format(call.error or call.status)
        )
        detail = " ".join(
            f"{key}={call.params[key]}"
            for key in ("channel", "ts", "timestamp", "name", "users", "user", "view_id")
            if key in call.params and isinstance(call.params[key], str)
        )
        local = d.local(call.at)
        rows += Markup(
            '<tr><td class="when">{}</td><td><code>{}</code> {}<div class="detail">{}</div>'
            "</td></tr>"
        ).format(local.strftime("%H:%M:%S"), call.method, result, detail)
    return Markup(
        "<h2>Web API calls by warroom</h2>"
        '<p class="log-note">Newest first; the last {} calls and refused response_url posts.</p>'
        '<table class="log"><tbody>{}</tbody></table>'
    ).format(LOG_CALLS, rows)
