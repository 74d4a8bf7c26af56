"""Everything post-mortems add to the running bot, built from settings for the composition root:
the use cases, the Slack surfaces, the timer handlers and the review page's route.

Loading the post-mortem folder here validates the templates and the blameless rules at startup
(``SourceErrors`` lists every problem with file and line, and the bot does not start).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker
from starlette.routing import BaseRoute

from bot.config.live import LiveConfig
from bot.incidents.service import IncidentService
from bot.kernel.settings import Settings
from bot.kernel.timers.outcomes import Handler, TimerFailure
from bot.paging.notify.retry import Sender
from bot.postmortems.drafter import FolderDrafter
from bot.postmortems.drafting import DraftingSetup
from bot.postmortems.exports import PostmortemExports
from bot.postmortems.names import display_names
from bot.postmortems.service import PostmortemService
from bot.postmortems.slack.export_handlers import ExportEffects
from bot.postmortems.slack.handlers import PostmortemEffects
from bot.postmortems.slack.listeners import PostmortemSlack, register
from bot.postmortems.web.links import ReviewLinks, derived_secret
from bot.postmortems.web.page import postmortem_routes


class MisconfiguredWebhook(ValueError):
    """A post-mortem webhook URL without the secret to sign its requests."""


@dataclass(frozen=True)
class Postmortems:
    service: PostmortemService
    slack: PostmortemSlack
    effects: PostmortemEffects
    exports: ExportEffects
    routes: Sequence[BaseRoute]

    def handlers(self) -> dict[str, Handler]:
        return {**self.effects.handlers(), **self.exports.handlers()}

    def on_failure(self, failure: TimerFailure) -> None:
        self.effects.on_failure(failure)
        self.exports.on_failure(failure)

    def register(self, bolt: App) -> None:
        register(bolt, self.slack)


def build_postmortems(
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: Callable[[], datetime],
    wake: Callable[[], None],
    incidents: IncidentService,
    config: LiveConfig,
    client: WebClient,
    sender: Sender,
) -> Postmortems:
    """``sender`` is the notifiers' retrying HTTP sender, shared with the webhook."""
    secret = settings.postmortem_webhook_secret
    if settings.postmortem_webhook_url and secret is None:
        raise MisconfiguredWebhook(
            "POSTMORTEM_WEBHOOK_URL is set but POSTMORTEM_WEBHOOK_SECRET is not: set the secret "
            "the receiver verifies signatures with, or unset the URL."
        )
    setup = DraftingSetup.load(settings.postmortem_templates_dir)

    def names() -> Mapping[str, str]:
        return display_names(config())

    drafter = FolderDrafter(sessions, setup, names)
    exports = PostmortemExports(
        sessions, clock, wake, settings.postmortem_export_dir, settings.postmortem_webhook_url
    )
    service = PostmortemService(
        sessions,
        clock,
        wake,
        incidents,
        drafter,
        drafter.check,
        exports,
        settings.postmortem_reviewers_required,
    )
    links = ReviewLinks(
        settings.public_url,
        _link_secret(settings),
        timedelta(hours=settings.postmortem_link_hours),
        clock,
    )
    webhook_secret = secret.get_secret_value() if secret is not None else None
    return Postmortems(
        service,
        PostmortemSlack(service, links, client),
        PostmortemEffects(service, incidents, client, links),
        ExportEffects(exports, client, sender, webhook_secret, time.time),
        postmortem_routes(service, links, lambda ref: names().get(ref, ref)),
    )


def _link_secret(settings: Settings) -> bytes:
    if settings.postmortem_link_secret is not None:
        return settings.postmortem_link_secret.get_secret_value().encode()
    signing = settings.slack_signing_secret
    assert signing is not None  # the composition root refuses to start without it
    return derived_secret(signing.get_secret_value())
