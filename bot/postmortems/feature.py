"""What post-mortems plug into the running bot: ``/incident postmortem``, the offer on resolve,
the review buttons and page, and the timers that carry their messages and exports.

Loading the post-mortem folder here validates the templates and the blameless rules at startup
(``SourceErrors`` lists every problem with file and line, and the bot does not start).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from pydantic import SecretStr
from slack_bolt import App

from bot.config.live import LiveConfig
from bot.incidents.domain import commands as cmd
from bot.incidents.service import IncidentService
from bot.incidents.slack.context import Subcommands
from bot.kernel.feature import Feature
from bot.kernel.runtime import Kernel
from bot.kernel.settings import Settings
from bot.paging.notify.delivery import Sender
from bot.postmortems.drafter import FolderDrafter
from bot.postmortems.drafting import DraftingSetup
from bot.postmortems.exports import PostmortemExports
from bot.postmortems.followups import Followups
from bot.postmortems.names import WithSlackNames, display_names
from bot.postmortems.service import PostmortemService
from bot.postmortems.slack import blocks
from bot.postmortems.slack.export_handlers import ExportEffects
from bot.postmortems.slack.followup_handlers import FollowupEffects, FollowupsCommand
from bot.postmortems.slack.handlers import PostmortemEffects
from bot.postmortems.slack.listeners import PostmortemSlack, register
from bot.postmortems.trackers.github import GitHubIssues
from bot.postmortems.trackers.issue import TrackerClient
from bot.postmortems.trackers.jira import JiraIssues
from bot.postmortems.trackers.linear import LinearIssues
from bot.postmortems.web.github_hook import github_routes
from bot.postmortems.web.links import ReviewLinks, derived_secret
from bot.postmortems.web.page import PrivateReaders, postmortem_routes


class MisconfiguredWebhook(ValueError):
    """A post-mortem webhook URL without the secret to sign its requests."""


@dataclass(frozen=True)
class PostmortemsFeature:
    service: PostmortemService
    feature: Feature
    subcommands: Subcommands
    readers: PrivateReaders  # who may read a private incident's review page (the web app says)


def build(
    kernel: Kernel, incidents: IncidentService, config: LiveConfig, sender: Sender
) -> PostmortemsFeature:
    """``sender`` is the notifiers' retrying HTTP sender, shared with the webhook."""
    settings, sessions, clock, wake = kernel.settings, kernel.sessions, kernel.clock, kernel.wake
    secret = settings.postmortem_webhook_secret
    if settings.postmortem_webhook_url and secret is None:
        raise MisconfiguredWebhook(
            "POSTMORTEM_WEBHOOK_URL is set but POSTMORTEM_WEBHOOK_SECRET is not: set the secret "
            "the receiver verifies signatures with, or unset the URL."
        )
    setup = DraftingSetup.load(settings.postmortem_templates_dir)

    def names() -> Mapping[str, str]:
        return WithSlackNames(display_names(config()), kernel.directory.name)

    def name(ref: str) -> str:
        return names().get(ref, ref)

    drafter = FolderDrafter(sessions, setup, names)
    required = setup.config.required
    links = ReviewLinks(
        settings.public_url,
        _link_secret(settings),
        timedelta(hours=settings.postmortem_link_hours),
        clock,
    )
    poll = timedelta(seconds=settings.followup_poll_seconds)
    followups = Followups(
        sessions, clock, setup.config.tracker, _channel_url, links.url, name, poll
    )
    exports = PostmortemExports(
        sessions,
        clock,
        wake,
        settings.postmortem_export_dir,
        settings.postmortem_webhook_url,
        required,
        name,
        followups,
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
        required,
    )
    incidents.add_transition_hook(service.offer_on_resolve)
    webhook_secret = secret.get_secret_value() if secret is not None else None
    slack = PostmortemSlack(service, links, kernel.members)
    readers = PrivateReaders()

    def listeners(app: App) -> None:
        register(app, slack)

    feature = Feature(
        "postmortems",
        timers=[
            PostmortemEffects(service, incidents, kernel.client, links),
            ExportEffects(exports, kernel.client, sender, webhook_secret, time.time),
            FollowupEffects(followups, _trackers(settings, sender), kernel.client, clock),
        ],
        listeners=listeners,
        read_only_actions=frozenset(
            {
                blocks.ACTION_OPEN,
                blocks.ACTION_EDIT,
                blocks.ACTION_PICK_SECTION,
                blocks.ACTION_REQUEST_CHANGES,
            }
        ),
        routes=[
            *postmortem_routes(service, links, name, readers),
            *github_routes(_secret(settings.github_webhook_secret), followups.synced),
        ],
    )
    listing = FollowupsCommand(followups, service.incident_in)
    return PostmortemsFeature(
        service, feature, {cmd.DraftPostmortem: slack, cmd.ListFollowups: listing}, readers
    )


def _trackers(settings: Settings, sender: Sender) -> dict[str, TrackerClient]:
    return {
        "github": GitHubIssues(
            sender.http, settings.github_api_url, _secret(settings.github_token)
        ),
        "linear": LinearIssues(
            sender.http, settings.linear_api_url, _secret(settings.linear_api_key)
        ),
        "jira": JiraIssues(
            sender.http,
            settings.jira_base_url,
            settings.jira_email,
            _secret(settings.jira_api_token),
        ),
    }


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def _channel_url(channel_id: str) -> str:
    """Opens the incident channel in the Slack workspace of whoever follows the link."""
    return f"https://slack.com/app_redirect?channel={channel_id}"


def _link_secret(settings: Settings) -> bytes:
    if settings.postmortem_link_secret is not None:
        return settings.postmortem_link_secret.get_secret_value().encode()
    signing = settings.slack_signing_secret
    assert signing is not None  # the composition root refuses to start without it
    return derived_secret(signing.get_secret_value())
