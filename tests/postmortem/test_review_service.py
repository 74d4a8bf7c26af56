"""The review use cases against the real database: drafting and re-drafting, edits (stale,
emptying, blameful), change requests, approvals by people other than the authors, exports."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from bot.config import Config
from bot.incidents.domain import commands as cmd
from bot.incidents.domain.lifecycle import Status
from bot.incidents.domain.severity import Severity
from bot.incidents.domain.timeline import EventKind
from bot.incidents.rows import ActionItemRow
from bot.incidents.service import IncidentService, NewChannel
from bot.kernel.storage.db import make_session_factory
from bot.kernel.timers.rows import Timer
from bot.paging.service import PagingService
from bot.postmortems.config import Tracker
from bot.postmortems.domain.merge import HUMAN_MARK
from bot.postmortems.drafter import FolderDrafter
from bot.postmortems.drafting import DraftingSetup
from bot.postmortems.exports import FILE, PostmortemExports
from bot.postmortems.followups import Followups
from bot.postmortems.review import (
    APPROVED,
    CHANGES_REQUESTED,
    DRAFT,
    GENERATED,
    HUMAN,
    MERGED,
    PUBLISHED,
    EditRefused,
    PostmortemRefused,
    StaleEdit,
)
from bot.postmortems.rows import PostmortemRow, PostmortemVersionRow
from bot.postmortems.service import ApprovalBlocked, Draft, DraftFailed, PostmortemService
from bot.postmortems.timers import OFFER, SUMMARY, offer_key, summary_key

SHIPPED = Path(__file__).parents[2] / "postmortems"
OLIVIA, LIAM, MAYA, BOB = "U0ONCALL", "U0LEAD", "U0MGR", "U0BOB"
NAMES = {OLIVIA: "Olivia Oncall", LIAM: "Liam Lead", MAYA: "Maya Manager", BOB: "Bob Builder"}
CHANNEL = "C0INC1"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)


@dataclass
class World:
    clock: Clock
    engine: Engine
    incidents: IncidentService
    service: PostmortemService
    exports: PostmortemExports
    drafter: FolderDrafter
    export_dir: Path
    followups: Followups

    def note(self, text: str, user: str = OLIVIA) -> None:
        self.clock.advance(1)
        self.incidents.execute(cmd.AddNote(text), channel_id=CHANNEL, user=user)

    def transition(self, status: Status, user: str = OLIVIA) -> None:
        self.clock.advance(1)
        self.incidents.execute(cmd.Transition(status, ""), channel_id=CHANNEL, user=user)

    def section(self, number: int, section_id: str) -> str:
        view = self.service.view(number)
        assert view is not None
        found = view.current.section(section_id)
        assert found is not None
        return found.body

    def pending(self, kind: str) -> list[Timer]:
        with make_session_factory(self.engine)() as session:
            query = select(Timer).where(Timer.kind == kind, Timer.status == "pending")
            return list(session.scalars(query))


@pytest.fixture(scope="module")
def setup() -> DraftingSetup:
    return DraftingSetup.load(SHIPPED)


def build_world(
    engine: Engine,
    setup: DraftingSetup,
    tmp_path: Path,
    reviewers: int = 1,
    gated: bool = False,
    tracker: Tracker | None = None,
) -> World:
    """``gated``: the shipped required sections apply (tests of the review rules leave them out,
    the gates have their own tests); ``tracker``: action items are exported to it."""
    clock = Clock()
    sessions = make_session_factory(engine)
    paging = PagingService(sessions, clock, Config, lambda: None)
    incidents = IncidentService(sessions, clock, lambda _: 30, lambda: None, paging)
    drafter = FolderDrafter(sessions, setup, lambda: NAMES)
    export_dir = tmp_path / "published"
    followups = Followups(sessions, clock, lambda _: tracker, str, str)
    exports = PostmortemExports(
        sessions, clock, lambda: None, export_dir, None, followups=followups
    )
    service = PostmortemService(
        sessions,
        clock,
        lambda: None,
        incidents,
        drafter,
        drafter.check,
        exports,
        reviewers,
        setup.config.required if gated else lambda _: frozenset(),
    )
    incidents.add_transition_hook(service.offer_on_resolve)
    world = World(clock, engine, incidents, service, exports, drafter, export_dir, followups)
    number = incidents.declare(
        title="Checkout latency high", severity=Severity.SEV2, declarer=OLIVIA
    )
    channel = NewChannel(CHANNEL, "inc-1-checkout-latency-high", clock())
    incidents.provisioned(number, channel=channel)
    world.note("Rolled back deploy 42")
    return world


@pytest.fixture
def world(engine: Engine, setup: DraftingSetup, tmp_path: Path) -> World:
    return build_world(engine, setup, tmp_path)


def test_draft_records_version_one_an_event_and_the_summary(world: World) -> None:
    drafted = world.service.draft(1, OLIVIA)
    assert (drafted.version, drafted.created) == (1, True)
    view = world.service.view(1)
    assert view is not None
    assert (view.state, view.current.kind, view.current.author) == (DRAFT, GENERATED, OLIVIA)
    assert "Rolled back deploy 42" in view.current.markdown
    assert view.template == "default"
    drafted_events = [
        e for e in world.incidents.view(CHANNEL).timeline if e.kind is EventKind.POSTMORTEM_DRAFTED
    ]
    assert [e.data for e in drafted_events] == [{"version": 1, "template": "default"}]
    assert [t.key for t in world.pending(SUMMARY)] == [summary_key(1)]


def test_drafting_again_with_nothing_new_keeps_the_version(world: World) -> None:
    world.service.draft(1, OLIVIA)
    again = world.service.draft(1, LIAM)
    assert (again.version, again.created) == (1, False)
    view = world.service.view(1)
    assert view is not None
    assert len(view.versions) == 1


def test_a_template_error_stores_nothing(world: World) -> None:
    def broken(incident: int, template: str | None) -> Draft:
        raise DraftFailed("the template default.md.j2:3 has a syntax error: unexpected '}'")

    service = PostmortemService(
        make_session_factory(world.engine),
        world.clock,
        lambda: None,
        world.incidents,
        broken,
        world.drafter.check,
        world.exports,
        1,
    )
    with pytest.raises(DraftFailed, match=r"default\.md\.j2:3"):
        service.draft(1, OLIVIA)
    assert service.view(1) is None
    kinds = {e.kind for e in world.incidents.view(CHANNEL).timeline}
    assert EventKind.POSTMORTEM_DRAFTED not in kinds


def test_every_resolve_offers_a_draft_once_and_mitigating_does_not(world: World) -> None:
    world.transition(Status.MITIGATED)
    assert world.pending(OFFER) == []
    world.transition(Status.RESOLVED)
    assert [t.key for t in world.pending(OFFER)] == [offer_key(1)]
    with make_session_factory(world.engine).begin() as session:
        session.execute(update(Timer).values(status="done"))
    world.service.draft(1, OLIVIA)
    world.transition(Status.INVESTIGATING)
    world.transition(Status.RESOLVED)
    assert [t.key for t in world.pending(OFFER)] == [offer_key(1, 2)]
    assert offer_key(1, 2) == "incident:1:postmortem:offer:2"


def test_an_edit_is_a_new_version_by_its_author(world: World) -> None:
    world.service.draft(1, OLIVIA)
    edited = world.service.edit(1, "summary", "Checkout was slow for 10 minutes.", 1, LIAM)
    assert (edited.version, edited.section, edited.rebased) == (2, "Summary", False)
    view = world.service.view(1)
    assert view is not None
    assert (view.current.kind, view.current.author, view.current.based_on) == (HUMAN, LIAM, 1)
    assert view.current.section("summary").body == "\nCheckout was slow for 10 minutes.\n\n"  # type: ignore[union-attr]
    assert view.authors == (OLIVIA, LIAM)
    assert view.version(1).section("summary") != view.current.section("summary")  # type: ignore[union-attr]


def test_a_stale_edit_of_a_changed_section_is_refused_with_the_text_back(world: World) -> None:
    world.service.draft(1, OLIVIA)
    world.service.edit(1, "summary", "Liam's summary.", 1, LIAM)
    with pytest.raises(StaleEdit) as refused:
        world.service.edit(1, "summary", "Maya's summary, typed at length.", 1, MAYA)
    assert refused.value.text == "Maya's summary, typed at length."
    assert refused.value.version == 2
    assert "Liam's summary." in refused.value.current
    assert f"changed by <@{LIAM}>" in str(refused.value)
    assert world.section(1, "summary").strip() == "Liam's summary."


def test_a_stale_edit_of_an_untouched_section_is_applied_on_top(world: World) -> None:
    world.service.draft(1, OLIVIA)
    world.service.edit(1, "summary", "Liam's summary.", 1, LIAM)
    edited = world.service.edit(1, "trigger", "Deploy 42 enabled a slow query.", 1, MAYA)
    assert (edited.version, edited.rebased) == (3, True)
    assert world.section(1, "summary").strip() == "Liam's summary."
    assert world.section(1, "trigger").strip() == "Deploy 42 enabled a slow query."


def test_emptying_a_required_section_is_refused_and_nothing_is_saved(world: World) -> None:
    world.service.draft(1, OLIVIA)
    with pytest.raises(EditRefused, match="Impact\\* is a required section") as refused:
        world.service.edit(1, "impact", "  \n ", 1, LIAM)
    assert refused.value.text == "  \n "
    view = world.service.view(1)
    assert view is not None
    assert view.current.number == 1


def test_an_optional_section_may_be_emptied(world: World) -> None:
    world.service.draft(1, OLIVIA)
    edited = world.service.edit(1, "where-we-got-lucky", "", 1, LIAM)
    assert world.section(1, "where-we-got-lucky").strip() == ""
    assert edited.version == 2


def test_an_unchanged_edit_saves_nothing(world: World) -> None:
    world.service.draft(1, OLIVIA)
    text = world.section(1, "summary").strip("\n")
    with pytest.raises(EditRefused, match="Nothing changed"):
        world.service.edit(1, "summary", text + "\n", 1, LIAM)


def test_blameful_words_in_an_edit_are_warnings_not_refusals(world: World) -> None:
    world.service.draft(1, OLIVIA)
    edited = world.service.edit(
        1, "contributing-factors", "Olivia Oncall forgot to warm the cache. Human error.", 1, LIAM
    )
    assert edited.version == 2
    assert {f.rule for f in edited.findings} >= {"person-failure-verb", "human-error"}
    assert {f.sentence for f in edited.findings} == {
        "Olivia Oncall forgot to warm the cache.",
        "Human error.",
    }
    assert all(f.why and f.hint for f in edited.findings)
    view = world.service.view(1)
    assert view is not None
    assert {f.section for f in view.findings} >= {"contributing-factors"}


def test_the_author_alone_cannot_approve(world: World) -> None:
    world.service.draft(1, OLIVIA)
    with pytest.raises(PostmortemRefused, match="cannot approve a version you wrote"):
        world.service.approve(1, OLIVIA, 1)
    world.service.edit(1, "summary", "Liam's summary.", 1, LIAM)
    with pytest.raises(PostmortemRefused, match="cannot approve"):
        world.service.approve(1, LIAM, 2)
    with pytest.raises(PostmortemRefused, match="cannot approve"):
        world.service.approve(1, OLIVIA, 2)
    approved = world.service.approve(1, MAYA, 2)
    assert (approved.state, approved.approvals) == (APPROVED, 1)


def test_approval_is_for_the_version_seen(world: World) -> None:
    world.service.draft(1, OLIVIA)
    world.service.edit(1, "summary", "Liam's summary.", 1, LIAM)
    with pytest.raises(
        PostmortemRefused, match=r"Version 2 \(edited Summary by .*\) was made after version 1"
    ):
        world.service.approve(1, MAYA, 1)


def test_enough_approvals_schedule_the_export_and_publish(
    engine: Engine, setup: DraftingSetup, tmp_path: Path
) -> None:
    world = build_world(engine, setup, tmp_path, reviewers=2)
    world.service.draft(1, OLIVIA)
    first = world.service.approve(1, LIAM, 1)
    assert (first.state, first.approvals, first.required) == (DRAFT, 1, 2)
    with pytest.raises(PostmortemRefused, match="already approved version 1; it needs 1 more"):
        world.service.approve(1, LIAM, 1)
    second = world.service.approve(1, MAYA, 1)
    assert (second.state, second.approvals) == (APPROVED, 2)
    job = world.exports.job(1, 1, FILE)
    assert job is not None
    assert job.destination == str(world.export_dir / "inc-1-checkout-latency-high.md")
    assert job.approvers == (LIAM, MAYA)
    world.exports.delivered(1, 1, FILE)
    view = world.service.view(1)
    assert view is not None
    assert view.state == PUBLISHED
    verdicts = [
        e.data
        for e in world.incidents.view(CHANNEL).timeline
        if e.kind is EventKind.POSTMORTEM_REVIEWED
    ]
    assert verdicts == [
        {"version": 1, "verdict": "approved", "note": ""},
        {"version": 1, "verdict": "approved", "note": ""},
    ]


def test_a_change_while_the_file_is_written_is_in_the_next_write(
    engine: Engine, setup: DraftingSetup, tmp_path: Path
) -> None:
    world = build_world(engine, setup, tmp_path, tracker=Tracker("github", "acme/checkout"))
    world.incidents.execute(cmd.AddAction("Warm the cache", None), channel_id=CHANNEL, user=LIAM)
    world.service.draft(1, OLIVIA)
    world.service.approve(1, LIAM, 1)
    followups = world.followups
    with make_session_factory(engine)() as session:
        item = session.scalars(select(ActionItemRow.id)).one()
    world.exports.delivered(1, 1, FILE)
    followups.exported(item, "acme/checkout#1", "https://github.test/1", closed=False)
    being_written = world.exports.job(1, 1, FILE)  # the rewrite starts, reading "open"
    assert being_written is not None
    assert "(open)" in being_written.markdown
    assert followups.synced("github", "acme/checkout#1", closed=True)  # the issue closes
    world.exports.delivered(1, 1, FILE)  # the rewrite under way finishes
    again = world.exports.job(1, 1, FILE)  # its timer, planned again, fires
    assert again is not None
    assert "- Warm the cache: done, [acme/checkout#1](https://github.test/1) (closed)" in (
        again.markdown
    )


def test_an_edit_after_approval_resets_it_and_supersedes_the_export(world: World) -> None:
    world.service.draft(1, OLIVIA)
    world.service.approve(1, LIAM, 1)
    edited = world.service.edit(1, "summary", "Maya's better summary.", 1, MAYA)
    assert edited.approvals_reset == 1
    view = world.service.view(1)
    assert view is not None
    assert (view.state, view.approvers) == (DRAFT, ())
    assert world.exports.job(1, 1, FILE) is None  # version 1 is no longer the approved one


def test_request_changes_needs_a_note_and_restarts_the_round(world: World) -> None:
    world.service.draft(1, OLIVIA)
    with pytest.raises(PostmortemRefused, match="the note is empty"):
        world.service.request_changes(1, LIAM, "   ")
    world.service.approve(1, MAYA, 1)
    view = world.service.view(1)
    assert view is not None
    assert (view.state, view.approvers) == (APPROVED, (MAYA,))
    assert world.service.request_changes(1, LIAM, "Impact needs numbers.") == 1
    view = world.service.view(1)
    assert view is not None
    assert (view.state, view.approvers) == (CHANGES_REQUESTED, ())
    assert view.change_request is not None
    assert view.change_request.note == "Impact needs numbers."
    again = world.service.approve(1, MAYA, 1)  # a new round: Maya may approve again
    assert again.approvals == 1
    event = [
        e.data
        for e in world.incidents.view(CHANNEL).timeline
        if e.kind is EventKind.POSTMORTEM_REVIEWED
    ][1]
    assert event == {
        "version": 1,
        "verdict": "requested changes on",
        "note": "Impact needs numbers.",
    }


def test_redraft_keeps_human_edits_and_adds_the_new_timeline(world: World) -> None:
    world.service.draft(1, OLIVIA)
    world.service.edit(1, "summary", "Checkout was slow for 10 minutes.", 1, LIAM)
    world.note("Cache warmed, latency normal")
    drafted = world.service.draft(1, OLIVIA)
    assert (drafted.version, drafted.created, drafted.conflicts) == (4, True, ())
    view = world.service.view(1)
    assert view is not None
    assert [(v.number, v.kind) for v in view.versions] == [
        (1, GENERATED),
        (2, HUMAN),
        (3, GENERATED),
        (4, MERGED),
    ]
    assert (view.current.based_on, view.current.merge_base) == (2, 1)
    assert world.section(1, "summary").strip() == "Checkout was slow for 10 minutes."
    assert "Cache warmed, latency normal" in world.section(1, "timeline")


def test_gates_block_until_sections_are_filled_or_waived_and_findings_overridden(
    engine: Engine, setup: DraftingSetup, tmp_path: Path
) -> None:
    world = build_world(engine, setup, tmp_path, gated=True)
    world.service.draft(1, OLIVIA)
    with pytest.raises(ApprovalBlocked, match="section 'Summary' not filled") as blocked:
        world.service.approve(1, MAYA, 1)
    assert [b.section for b in blocked.value.blockers] == [
        "summary",
        "impact",
        "contributing-factors",
        "action-items",
    ]
    world.service.edit(1, "summary", "Checkout was slow for 12 minutes.", 1, LIAM)
    world.service.edit(1, "impact", "EU checkouts took 4 s.", 2, LIAM)
    world.service.edit(1, "contributing-factors", "Olivia Oncall forgot the cache.", 3, LIAM)
    waive = {"action-items": "Tracked in the platform epic.", "impact": "ignored: it is filled"}
    with pytest.raises(ApprovalBlocked, match="choose \\*Approve anyway\\*"):
        world.service.approve(1, MAYA, 4, waive=waive, anyway=" ")
    view = world.service.view(1)
    assert view is not None
    assert view.waivers == {}  # a refused approval saves nothing

    approved = world.service.approve(1, MAYA, 4, waive=waive, anyway="Her own words, kept.")
    assert (approved.state, approved.anyway) == (APPROVED, True)
    view = world.service.view(1)
    assert view is not None
    assert list(view.waivers) == ["action-items"]  # a filled section is not waived
    assert view.reviews[-1].overrode == ("Olivia Oncall forgot the cache.",)
    assert view.reviews[-1].note == "Her own words, kept."

    world.service.edit(1, "contributing-factors", "The cache starts cold.", 4, LIAM)
    view = world.service.view(1)
    assert view is not None
    assert view.blockers == []  # the waiver outlives the version; the finding is gone
    job = world.exports.job(1, 4, FILE)
    assert job is None  # version 4 is no longer the approved one


def test_redraft_conflict_is_kept_for_reviewers_and_blocks_approval(world: World) -> None:
    world.service.draft(1, OLIVIA)
    precise = "Rolled back deploy 42 (v1.4.2)"
    timeline = world.section(1, "timeline").replace("Rolled back deploy 42", precise)
    world.service.edit(1, "timeline", timeline, 1, LIAM)
    world.note("Cache warmed, latency normal")  # the new draft adds a row right below Liam's
    drafted = world.service.draft(1, OLIVIA)
    assert [c.section for c in drafted.conflicts] == ["timeline"]
    view = world.service.view(1)
    assert view is not None
    body = world.section(1, "timeline")
    assert HUMAN_MARK in body
    assert precise in body  # never silently overwritten
    assert "Cache warmed, latency normal" in body
    assert [c.section for c in view.conflicts] == ["timeline"]
    with pytest.raises(PostmortemRefused, match="conflicts in \\*Timeline\\*"):
        world.service.approve(1, MAYA, view.current.number)
    resolved = view.conflicts[0].generated.replace("Rolled back deploy 42", precise)
    world.service.edit(1, "timeline", resolved, view.current.number, LIAM)
    view = world.service.view(1)
    assert view is not None
    assert view.conflicts == ()
    assert world.service.approve(1, MAYA, view.current.number).state == APPROVED


def test_versions_are_immutable_rows(world: World, engine: Engine) -> None:
    world.service.draft(1, OLIVIA)
    world.service.edit(1, "summary", "One.", 1, LIAM)
    world.service.edit(1, "summary", "Two.", 2, MAYA)
    with make_session_factory(engine)() as session:
        rows = session.scalars(select(PostmortemVersionRow).order_by(PostmortemVersionRow.number))
        authors = [(r.number, r.author, r.change) for r in rows]
        current = session.scalars(select(PostmortemRow)).one().current_version
    assert authors == [
        (1, OLIVIA, "drafted from the timeline"),
        (2, LIAM, "edited Summary"),
        (3, MAYA, "edited Summary"),
    ]
    assert current == 3


def test_concurrent_edits_of_other_sections_both_land(world: World) -> None:
    world.service.draft(1, OLIVIA)
    edits = [("summary", "Summary by Liam.", LIAM), ("trigger", "Trigger by Maya.", MAYA)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda e: world.service.edit(1, e[0], e[1], 1, e[2]), edits))
    assert sorted(d.version for d in done) == [2, 3]
    assert world.section(1, "summary").strip() == "Summary by Liam."
    assert world.section(1, "trigger").strip() == "Trigger by Maya."


def test_concurrent_edits_of_one_section_keep_one_and_hand_the_other_back(world: World) -> None:
    world.service.draft(1, OLIVIA)
    texts = {LIAM: "Summary by Liam.", MAYA: "Summary by Maya."}

    def edit(user: str) -> str:
        try:
            world.service.edit(1, "summary", texts[user], 1, user)
        except StaleEdit as stale:
            return f"refused:{stale.text}"
        return "saved"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = dict(zip(texts, pool.map(edit, texts), strict=True))
    saved = [user for user, outcome in outcomes.items() if outcome == "saved"]
    assert len(saved) == 1
    [other] = [user for user in texts if user not in saved]
    assert outcomes[other] == f"refused:{texts[other]}"
    assert world.section(1, "summary").strip() == texts[saved[0]]
