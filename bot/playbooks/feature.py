"""What playbooks plug into the running bot: ``/incident playbook``, the checklist's buttons and
modals, the timers that run automated steps, and the providers' clients (closed at shutdown).

Loading the playbooks here validates every file at startup (the bot does not start on errors).
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_bolt import App

from bot.config.live import LiveConfig
from bot.incidents.domain import commands as cmd
from bot.incidents.service import IncidentService
from bot.incidents.slack.context import Subcommands
from bot.kernel.feature import Feature
from bot.kernel.runtime import Kernel
from bot.playbooks.actions.registry import Actions
from bot.playbooks.automation import PlaybookRuns
from bot.playbooks.files_live import load_playbooks
from bot.playbooks.service import PlaybookService
from bot.playbooks.slack import blocks
from bot.playbooks.slack.handlers import PlaybookEffects
from bot.playbooks.slack.listeners import PlaybookCommands, Playbooks, register
from bot.playbooks.steps import PlaybookSteps


@dataclass(frozen=True)
class PlaybooksFeature:
    feature: Feature
    subcommands: Subcommands


def build(kernel: Kernel, incidents: IncidentService, config: LiveConfig) -> PlaybooksFeature:
    actions = Actions(kernel.settings)
    steps = PlaybookSteps(kernel.sessions, kernel.clock, kernel.wake)
    playbooks = Playbooks(
        PlaybookService(steps, incidents, load_playbooks(kernel.settings), config),
        steps,
        PlaybookRuns(steps, actions),
        kernel.members,
    )
    incidents.add_transition_hook(playbooks.runs.on_transition)
    commands = PlaybookCommands(playbooks.service)

    def listeners(app: App) -> None:
        register(app, playbooks)

    feature = Feature(
        "playbooks",
        timers=[PlaybookEffects(steps, playbooks.runs, kernel.client)],
        listeners=listeners,
        read_only_actions=frozenset(
            {blocks.ACTION_SKIP, blocks.ACTION_RUN, blocks.ACTION_DRY_RUN, blocks.ACTION_UNDO}
        ),
        close=[actions.close],
    )
    return PlaybooksFeature(feature, {cmd.ListPlaybooks: commands, cmd.StartPlaybook: commands})
