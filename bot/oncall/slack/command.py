"""The ``/oncall`` slash command: ack within Slack's 3 s, then answer the asker privately.

``/oncall [schedule|service]`` shows who is on call now and next (final and per layer) in the
asker's Slack time zone, with a loud warning where nobody is; ``/oncall override @user <from>
<to> [schedule]`` records an override (announced in the team channels by a durable timer);
``/oncall maintenance ...`` is answered by ``maintenance.py``, ``/oncall cover ...`` by
``cover.py``; ``/oncall help``. Anything that does not work gets what was wrong and the usage,
ephemerally.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext, Respond

from bot.kernel.slack.payloads import SlashCommand, request_of
from bot.kernel.web.metrics import Metrics
from bot.oncall.cover import CoverService
from bot.oncall.domain.command import (
    USAGE_AT,
    USAGE_MAINTENANCE,
    USAGE_OVERRIDE,
    USAGE_OVERRIDES,
    USAGE_SHOW,
    CancelMaintenance,
    CancelOverride,
    ListMaintenance,
    ListOverrides,
    MakeCover,
    MakeMaintenance,
    MakeOverride,
    OnCallCommandError,
    OnCallHelp,
    ShowMyShifts,
    ShowOnCall,
    ShowOnCallAt,
    parse_oncall,
)
from bot.oncall.domain.when import WhenError, parse_when
from bot.oncall.service import (
    MY_SHIFTS_DAYS,
    OnCallError,
    OnCallService,
    OverrideRecord,
    OverrideRefused,
)
from bot.oncall.slack import blocks as render
from bot.oncall.slack import cover, maintenance
from bot.paging.domain.rules import SLACK, NotificationRules


def changes_state(text: str) -> bool:
    """Whether ``/oncall <text>`` changes anything (and so is recorded before its answer)."""
    try:
        changes = MakeOverride | CancelOverride | MakeMaintenance | CancelMaintenance | MakeCover
        return isinstance(parse_oncall(text), changes)
    except OnCallCommandError:
        return False


def register(app: App, service: OnCallService, covers: CoverService, metrics: Metrics) -> None:
    @app.command("/oncall")
    def oncall_command(ack: Ack, context: BoltContext, respond: Respond) -> None:
        request = request_of(context, SlashCommand)
        text = request.text
        with metrics.timed("oncall override" if text.split()[:1] == ["override"] else "oncall"):
            try:
                command = parse_oncall(text)
            except OnCallCommandError as error:
                ack(text=render.usage_text(error.message, error.usage))
                return
            if isinstance(command, OnCallHelp):
                blocks = render.help_blocks()
                ack(text="On-call commands", blocks=[b.to_dict() for b in blocks])
                return
            ack()
            if isinstance(command, MakeCover):
                zone = _zone_of(service, request.user_id)
                names = render.Names(service.config, service.directory)
                cover.answer(
                    covers, command, request.user_id, request.channel_id, zone, names, respond
                )
                return
            _answer(service, command, request.user_id, respond)


def _answer(
    service: OnCallService,
    command: ShowOnCall
    | ShowOnCallAt
    | ShowMyShifts
    | MakeOverride
    | ListOverrides
    | CancelOverride
    | MakeMaintenance
    | ListMaintenance
    | CancelMaintenance,
    user_id: str,
    respond: Respond,
) -> None:
    names = render.Names(service.config, service.directory)
    zone = _zone_of(service, user_id)
    if isinstance(command, MakeMaintenance | ListMaintenance | CancelMaintenance):
        maintenance.answer(service, command, user_id, zone, respond)
        return
    usage = _USAGES[type(command)]
    try:
        if isinstance(command, ListOverrides):
            records = service.current_overrides(command.schedule)
            text = render.override_list(records, zone, names, service.now())
            respond(text=text, response_type="ephemeral")
            return
        if isinstance(command, CancelOverride):
            record = service.cancel_override(command.number, user_id)
            text = render.override_cancelled(record, zone, names, service.now(), user_id)
            respond(text=text, response_type="ephemeral")
            return
        if isinstance(command, ShowMyShifts):
            shifts = service.shifts_of(user_id)
            reached = _reached(service, user_id)
            text, blocks = render.my_shifts(shifts, zone, service.now(), MY_SHIFTS_DAYS, reached)
            respond(text=text, blocks=[b.to_dict() for b in blocks], response_type="ephemeral")
            return
        if isinstance(command, ShowOnCall | ShowOnCallAt):
            asked = (
                parse_when(command.when, service.now(), zone)
                if isinstance(command, ShowOnCallAt)
                else None
            )
            statuses = service.status(service.targets(command.target), asked)
            blocks = render.status_blocks(statuses, zone, names, service.feed_url, asked)
            respond(
                text=render.status_text(statuses, names),
                blocks=[b.to_dict() for b in blocks],
                response_type="ephemeral",
            )
            return
        record = _override(service, command, user_id, zone)
        channels = service.team_channels(record.schedule)
        answer = render.override_made(record, zone, names, service.now(), channels)
        respond(text=answer, response_type="ephemeral")
    except (OnCallError, WhenError) as error:
        respond(text=render.usage_text(str(error), usage), response_type="ephemeral")
    except OverrideRefused as error:
        reason = render.refusal(error, zone, names, service.now())
        respond(text=render.usage_text(reason, usage), response_type="ephemeral")


_USAGES = {
    ShowOnCall: USAGE_SHOW,
    ShowOnCallAt: USAGE_AT,
    ShowMyShifts: USAGE_SHOW,
    MakeOverride: USAGE_OVERRIDE,
    ListOverrides: USAGE_OVERRIDES,
    CancelOverride: USAGE_OVERRIDES,
    MakeMaintenance: USAGE_MAINTENANCE,
    ListMaintenance: USAGE_MAINTENANCE,
    CancelMaintenance: USAGE_MAINTENANCE,
}


def _reached(service: OnCallService, user_id: str) -> str:
    """How a page reaches the person: by their notification rules, else every contact at once."""
    known = service.user(service.resolve_user(user_id))
    if known is None:
        return render.reaching(NotificationRules(), (SLACK,))
    return render.reaching(known.rules, known.contacts)


def _override(
    service: OnCallService, command: MakeOverride, user_id: str, zone: ZoneInfo
) -> OverrideRecord:
    now = service.now()
    start = parse_when(command.start, now, zone)
    end = parse_when(command.end, now, zone, base=start)
    return service.create_override(
        schedule=command.schedule, user=command.user, start=start, end=end, created_by=user_id
    )


def _zone_of(service: OnCallService, user_id: str) -> ZoneInfo:
    """The asker's Slack time zone, else the one in users.yaml, else UTC."""
    known = service.user(user_id)
    return service.directory.zone(user_id, known.time_zone if known else None)
