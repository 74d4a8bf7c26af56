"""The incident page's alerts, playbook runs and action items, over real HTTP: an incident opened
by an Alertmanager webhook, a playbook step run against the fake LaunchDarkly and undone, and an
action item exported to the fake GitHub on approval; the page shows each (docs/insights.md)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from textwrap import dedent
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect
from pydantic import SecretStr

from bot.postmortems.slack import blocks as pm
from tests.alerts.e2e.conftest import ALERTMANAGER_TOKEN, Webhooks, fixture
from tests.browser import CHROMIUM, WAIT_MS, open_served
from tests.ci import IN_CI
from tests.e2e import test_webapp as webapp
from tests.e2e.conftest import CONFIG_DIR, LEAD, ONCALL, Bot, eventually
from tests.e2e.test_interactions import open_view
from tests.playbooks.test_e2e_playbooks import LD_TOKEN, confirm, press, shows, start
from tests.postmortem.test_e2e_review import SHIPPED, UNGATED, draft
from tests.sandbox.browser.conftest import VIEWPORT, screenshot
from warroom_sandbox.model import Channel
from warroom_sandbox.providers.github import FakeGitHub
from warroom_sandbox.providers.launchdarkly import FakeLaunchDarkly

web = webapp.web  # the web app on loopback, with this module's settings and config
http = webapp.http

REPO = "acme/checkout"
GITHUB_TOKEN = "ghp_webapp_token"
ITEM = "Warm the cache after every deploy"
CHANNEL = "inc-1-checkout-p99-latency-above-2s"  # the fixture payload's incident
FLAG_OFF = """\
    title: Turn off the new checkout
    steps:
      - id: check
        title: Check the error rate
        instructions: Errors on the dashboard.
      - id: disable
        title: Disable the new checkout flag
        action: feature_flag.disable
        params:
          provider: launchdarkly
          flag: new-checkout
          environment: production
"""


@pytest.fixture
def launchdarkly() -> Iterator[FakeLaunchDarkly]:
    with FakeLaunchDarkly(LD_TOKEN) as fake:
        fake.set_flag("default", "new-checkout", {"production": True})
        yield fake


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(token=GITHUB_TOKEN) as fake:
        fake.add_repo(REPO)
        yield fake


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """The e2e config; every alert opens an incident for its service, ``checkout``."""
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    (folder / "services.yaml").write_text(
        "services:\n"
        "  - {name: checkout, escalation_policy: primary-policy, playbooks: [flag-off]}\n",
        encoding="utf-8",
    )
    (folder / "alert_routes.yaml").write_text(
        "routes:\n  - name: by-service\n    action: incident\n", encoding="utf-8"
    )
    return folder


@pytest.fixture
def web_settings(
    tmp_path: Path, launchdarkly: FakeLaunchDarkly, github: FakeGitHub
) -> dict[str, Any]:
    playbooks = tmp_path / "playbooks"
    playbooks.mkdir()
    (playbooks / "flag-off.yaml").write_text(dedent(FLAG_OFF), encoding="utf-8")
    postmortems = tmp_path / "postmortems"
    shutil.copytree(SHIPPED, postmortems)
    followups = f"followups:\n  default: {{github: {REPO}}}\n"
    (postmortems / "config.yaml").write_text(UNGATED + followups, encoding="utf-8")
    return {
        "alerts_alertmanager_token": ALERTMANAGER_TOKEN,
        "playbooks_dir": playbooks,
        "launchdarkly_api_url": launchdarkly.url,
        "launchdarkly_api_token": SecretStr(LD_TOKEN),
        "actions_retry_base_seconds": 0.0,
        "postmortem_templates_dir": postmortems,
        "postmortem_export_dir": tmp_path / "published",
        "github_api_url": github.url,
        "github_token": SecretStr(GITHUB_TOKEN),
    }


def section(html: str, heading: str) -> str:
    """The page from ``heading``'s <h2> to the next one."""
    return html.split(f"<h2>{heading}</h2>")[1].split("<h2>")[0]


def join(bot: Bot, channel: Channel, role: str, user: str) -> None:
    bot.command(channel, f"role {role} <@{user}>")
    eventually(lambda: user in bot.slack.state.channel(channel.id).members, what=f"{user} in")


def test_the_page_shows_alerts_playbook_changes_and_undos_and_exported_action_items(
    web: Bot,
    http: httpx.Client,
    launchdarkly: FakeLaunchDarkly,
    github: FakeGitHub,
    request: pytest.FixtureRequest,
) -> None:
    webapp.sign_in(http, web)
    web.declare("Quiet start sev4")  # incident 1: nothing attached
    empty = http.get(f"{web.url}/incidents/1").text
    assert "No alerts attached." in empty
    assert "No playbook was run." in empty
    assert "No action items yet." in empty

    webhooks = Webhooks(web.url)
    answer = webhooks.post("alertmanager", fixture("alertmanager-firing-v4.json"))
    webhooks.http.close()
    assert answer.status_code == 200
    channel = web.incident_channel(CHANNEL.replace("inc-1-", "inc-2-"))
    join(web, channel, "comms", ONCALL)
    join(web, channel, "scribe", LEAD)

    checklist = start(web, channel, "flag-off", "Turn off the new checkout")
    press(web, ONCALL, checklist, "disable", "Run")
    confirm(web, ONCALL)
    shows(web, checklist, "Ran by")
    web.command(channel, "mitigate")
    offer = web.posted(channel.id, "Undo playbook changes?")
    [button] = [b["accessory"] for b in offer.blocks if "accessory" in b]
    web.driver.block_action(
        ONCALL, channel.id, offer.ts, button["action_id"], value=button["value"]
    )
    confirm(web, ONCALL)
    shows(web, checklist, "Undone by")

    web.command(channel, f"action {ITEM} <@{ONCALL}>")
    web.posted(channel.id, ITEM)
    message = draft(web, channel)
    web.driver.block_action(LEAD, channel.id, message.ts, pm.ACTION_APPROVE, value="1")
    # The generated draft has findings (unfilled sections): the approver says why, in the form.
    form = open_view(web, LEAD, pm.APPROVE_CALLBACK)
    reasons = {
        block["block_id"]: {"value": "Reviewed with the team."}
        for block in form["blocks"]
        if block.get("type") == "input"
    }
    assert web.driver.view_submission(LEAD, form, reasons).status_code == 200
    web.said_to(LEAD, "You approved version 1")
    eventually(lambda: github.issues(REPO), what="the issue on GitHub")

    def exported() -> str | None:
        page = http.get(f"{web.url}/incidents/2")
        assert page.status_code == 200
        return page.text if f"{REPO}#1</a>" in page.text else None

    page = eventually(exported, what="the issue on the incident page")
    alerts = section(page, "Alerts")
    assert alerts.count("CheckoutHighLatency") == 2
    assert "<td>checkout</td><td>firing</td><td>alertmanager</td>" in alerts
    assert "2026-11-20 14:02" in alerts  # UTC
    assert "2026-11-20 15:02" in alerts  # Olivia's zone, Europe/Berlin
    runs = section(page, "Playbook runs")
    assert "Turn off the new checkout (<code>flag-off</code>)" in runs
    assert "Started by Olivia Oncall" in runs
    disable = runs.split("<td>Disable the new checkout flag</td>")[1].split("</tr>")[0]
    assert "<td>succeeded</td><td>Olivia Oncall</td>" in disable
    assert "(on &rarr; off)" in disable
    assert "Undone by Olivia Oncall at " in disable
    items = section(page, "Action items")
    assert f"<td>{ITEM}</td><td>Olivia Oncall</td><td>open</td>" in items
    assert f'<a href="{github.url}/html/{REPO}/issues/1">{REPO}#1</a> (github, open)' in items
    assert "U0ONCALL" not in page  # names, never Slack ids
    if CHROMIUM.exists() or IN_CI:  # else only the screenshot is left out (the checks ran)
        full_page_screenshot(request.getfixturevalue("browser"), http, f"{web.url}/incidents/2")


def full_page_screenshot(browser: Browser, http: httpx.Client, url: str) -> None:
    """The whole incident page in Chromium, signed in with the test's session cookie, down to
    its action items: docs/screenshots/insights-incident.png (docs/insights.md)."""
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    try:
        context.add_cookies(
            [{"name": c.name, "value": c.value, "url": url} for c in http.cookies.jar]
        )
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        open_served(page, url)
        expect(page.get_by_role("heading", name="Action items")).to_be_visible()
        expect(page.get_by_role("link", name=f"{REPO}#1")).to_be_visible()
        screenshot(page, "insights-incident", full_page=True)
    finally:
        context.close()
