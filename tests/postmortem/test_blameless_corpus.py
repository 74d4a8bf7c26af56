"""The blame grammar: a fixed regression set from the corpus, how it names people, what a
finding carries, and that reading only cue lines finds what reading everything finds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.kernel.yamlsource import SourceErrors
from bot.postmortems.domain.blame.grammar import analyse
from bot.postmortems.domain.blame.people import People
from bot.postmortems.domain.blameless import Rule, check, sentences
from bot.postmortems.rules import load_rules

HERE = Path(__file__).parent
SHIPPED_RULES = HERE.parents[1] / "postmortems" / "blameless-rules.yaml"
REGRESSION: dict[str, Any] = yaml.safe_load((HERE / "blameless_regression.yaml").read_text())
PEOPLE: list[str] = REGRESSION["people"]


@pytest.fixture(scope="module")
def rules() -> list[Rule]:
    return load_rules(SHIPPED_RULES)


def test_the_regression_set_covers_every_category() -> None:
    categories = {s["category"] for s in REGRESSION["sentences"]}
    assert len(REGRESSION["sentences"]) >= 60
    assert len(categories) == 15


@pytest.mark.parametrize(
    ("text", "blameful", "category"),
    [(s["text"], s["blameful"], s["category"]) for s in REGRESSION["sentences"]],
)
def test_each_regression_sentence_keeps_its_label(
    rules: list[Rule], text: str, blameful: bool, category: str
) -> None:
    findings = check(text, rules, PEOPLE)

    assert bool(findings) == blameful, (category, [f.rule for f in findings])
    assert all(f.why and f.hint and f.sentence == text for f in findings)


def test_a_grammar_finding_names_its_reason_words_and_a_rewording(rules: list[Rule]) -> None:
    text = (
        "# Post-mortem\n\n## Trigger\n\nAt 03:12 the new contractor quietly skipped the canary.\n"
    )

    (finding,) = check(text, rules, PEOPLE)

    assert finding.rule == "person-omission"
    assert finding.section == "trigger"
    assert text[finding.start : finding.end] == "the new contractor quietly skipped"
    assert finding.why.endswith('("skipped")')
    assert finding.hint.startswith("Describe what the system allowed rather than who slipped")


@pytest.mark.parametrize(
    "text",
    [
        "Daniel forgot to drain the node.",  # first name of "Daniel Kim"
        "Kim forgot to drain the node.",  # last name
        "dkim forgot to drain the node.",  # display name
        "@someone.else forgot to drain the node.",  # any handle
        "<@U0DEV01> forgot to drain the node.",  # Slack mention
        "Priya forgot to drain the node.",  # a common first name nobody configured
        "The on-call DBA forgot to drain the node.",
        "The storage team forgot to drain the node.",
        "Whoever was on call forgot to drain the node.",
    ],
)
def test_people_are_found_by_name_handle_role_team_and_pronoun(text: str) -> None:
    hits = analyse(text, People(PEOPLE))

    assert [h.category for h in hits] == ["omission"]


@pytest.mark.parametrize(
    "text",
    [
        "Daniel drained the node at 03:12.",
        "The alert paged Daniel, who drained the node.",
        "The drain step was skipped because the flag was stale.",
        "The check missed the regression.",
        'Daniel wrote "I forgot the flag" in the channel.',
        "The runbook should have covered draining the node.",
        "Anyone on call can drain the node without an approval.",
    ],
)
def test_people_acting_and_systems_failing_are_not_blame(text: str) -> None:
    assert analyse(text, People(PEOPLE)) == []


# Written for the harm rule, not taken from any corpus part: a person (configured or not, by
# role, team, pronoun, "one of ...", the antecedent of "who") as the subject of a damaging
# action, marked by its verb, object or manner or by the damage its next clause reports.
@pytest.mark.parametrize(
    "text",
    [
        "The release engineer ran kubectl delete namespace against the live cluster.",
        "The platform squad muted every disk alert for the whole weekend.",
        "A support engineer pasted the admin password into the public ticket.",
        "Marcus Webb pushed the signing credentials to a personal fork.",
        "The weekend on-call rebooted the leader instead of the follower.",
        "Daniel merged the migration with the lint step skipped.",
        "The infra folks turned off the circuit breaker on the payments client.",
        "Someone bumped the worker count to 400, and it exhausted the connection pool.",
        "The intern rewrote the cache keys, which wiped every session in the EU region.",
        "It was tobiah who restarted the broker mid-deploy, that's what corrupted the offsets.",
        "Rasmus, who was on call, force-deleted the persistent volume.",
        "One of the contractors scheduled a reindex that saturated the search cluster at peak.",
        "Elena hardcoded the staging token into the release build.",
        "Sam disabled the replication lag check because it was flaky.",
        "Big Sofia yanked the power cable on the wrong rack.",
        "Ilsabeth copied the prod credentials into a shared spreadsheet.",
    ],
)
def test_a_person_doing_damage_is_flagged_as_harm(rules: list[Rule], text: str) -> None:
    findings = check(text, rules, PEOPLE)

    assert "person-harm" in {f.rule for f in findings}, [f.rule for f in findings]
    (harm,) = [f for f in findings if f.rule == "person-harm"]
    assert harm.hint.startswith("Describe what the system allowed")


@pytest.mark.parametrize(
    "text",
    [
        "The analytics team launched a full export with no rate limit and no heads-up.",
        "The frontend team shipped a build they had never run against the real API.",
        "The on-call silenced the disk alarm and went back to bed.",
        "The SRE on shift acked the page at 01:55 and then sat on it for an hour.",
        "We can pin the entire outage on one engineer.",
        "The DBA truncated the orders table in production.",
    ],
)
def test_slips_around_a_damaging_action_are_flagged(rules: list[Rule], text: str) -> None:
    assert check(text, rules, PEOPLE) != []


@pytest.mark.parametrize(
    "text",
    [
        "Sofia dropped the stale replica slot to let the WAL drain.",
        "Daniel deleted the stuck lock file so that deploys could resume.",
        "The release engineer disabled the feature flag at 09:12 to stop the 500s.",
        "Aiko restarted the leader to clear the hung transactions.",
        "Marcus failed over to the standby region at 10:03.",
        "Elena muted the flapping alert while the fix rolled out.",
        "The on-call deployed the hotfix to production at 11:40.",
        "Kubernetes deleted the pod after the liveness probe failed three times.",
        "Terraform destroyed the workspace because the state file pointed at production.",
        "Autovacuum truncated the table at 03:00 as scheduled.",
        "Daniel restarted the API, which cleared the stuck connections.",
        "Sofia ran the migration in the maintenance window, which locked the table as planned.",
        "Aiko committed the fix for the leaked password check.",
        "The alert paged Marcus, who rolled back the release.",
        "The database crashed when Sam was paged for the second time.",
        "Daniel was handed the pager at 02:00 after the first responder went off shift.",
        "Sofia was told the wrong region by the status bot.",
        "If the dashboard had shown queue age, the on-call would have seen the backlog sooner.",
        "A lazy default in the client library retried forever.",
        "The linter neglected generated files, so the bad import slipped through.",
        "The deploy tool didn't bother waiting for health checks before shifting traffic.",
        "svn blame points to a 2019 commit for the timeout value.",
        "We need a lock so that nobody can run the backfill twice.",
        "The DBA truncated the temp table to free disk space.",
        "Sofia wiped the scratch bucket to make room for the restore.",
    ],
)
def test_remedies_things_and_tools_are_not_harm(rules: list[Rule], text: str) -> None:
    assert check(text, rules, PEOPLE) == []


# Written for the change rule, not taken from any corpus part: a person making a change to a
# live system with nothing that frames it as a response reads as who did it, whatever the verb.
@pytest.mark.parametrize(
    "text",
    [
        "Marcus flipped the search cluster to read-only mode on the busiest day of the year.",
        "The contractor bumped the connection limit to 5000 on every replica at once.",
        "Someone on the data team rebooted the primary broker.",
        "The release engineer pointed the canary at the live payments API.",
        "Sofia moved the cron jobs onto the shared database host thinking it was idle.",
        "The marketing team launched the campaign email to all 2 million users in one batch.",
        "He restarted the coordinator nodes during the busiest hour of the sale.",
        "Daniel approved and merged his own schema change at 23:10.",
        "The on-call manager closed the incident while the queue was still growing.",
        "Our intern kept restarting the consumer group every few minutes.",
        "The contractor enabled verbose tracing on every production host.",
        "Somebody from the web team reconfigured the load balancer mid-sale.",
        "The new guy on payments rolled out the feature to everyone at once.",
        "The contractor tuned the GC settings until the service fell over.",
        "Lena bumped the JVM heap on all brokers and left for the weekend.",
        "The DBA ran the schema migration during Black Friday.",
        "Someone edited the prod crontab by hand.",
        "Ines restarted every database node at the same time.",
        "The on-call engineer merged the config change during the holiday freeze.",
        "The infra team upgraded Postgres on a Friday evening with nobody on call.",
    ],
)
def test_a_person_making_a_change_is_flagged(rules: list[Rule], text: str) -> None:
    findings = check(text, rules, PEOPLE)

    assert "person-change" in {f.rule for f in findings}, [f.rule for f in findings]
    (change,) = [f for f in findings if f.rule == "person-change"]
    assert change.why.startswith("A person")
    assert change.hint.startswith("Say what the change was")


@pytest.mark.parametrize(
    "text",
    [
        "Marcus flipped the search cluster to read-only mode to stop the writes piling up.",
        "At 02:14 the contractor bumped the connection limit to 500.",
        "Someone on the data team rebooted the stuck broker.",
        "The release engineer deployed the hotfix to the payments API.",
        "Sofia restarted the scheduler and the backlog cleared within minutes.",
        "The on-call manager closed the bridge call once traffic was back to normal.",
        "We restarted every pod in the zone one at a time.",
        "Daniel tried restarting the consumer, which did not help.",
        "Aiko ran the documented failover procedure.",
        "Person 4 ran step 3 of the restart playbook.",
        "The DBA promoted the healthy replica after confirming replication had caught up.",
        "Elena pushed the config change per the runbook.",
        "Kubernetes restarted the pod after the probe failed.",
        "Tomas enabled debug logging on the gateway while we investigated.",
        "Priya approved the emergency change in the change board channel.",
        "Priya deployed version 3.2 on Tuesday as part of the weekly release.",
        "The payments team disabled the new checkout flow for EU users.",
        "The DBA ran the migration in the maintenance window.",
        "Lena renamed the channel to #inc-42-resolved.",
        "The SRE edited the alert threshold after the review.",
        "Kofi switched the DNS to the standby load balancer.",
        "Kofi restarted the exporter and metrics came back.",
        "Lena rolled back the release at once.",
        "Ines pushed the corrected config and latency dropped back under 200 ms.",
        "Lena promoted the replica in us-east-1 once replication lag hit zero.",
        pytest.param(
            "The on-call flushed the DNS cache on the resolvers.",
            # A known false positive of the trained model at the cuts that find the most blame
            # within 4% false positives (bench/README.md): it reads a role noun and "flushed"
            # as blame. Strict: it fails once the model reads it right, to move it back.
            marks=pytest.mark.xfail(strict=True, reason="the trained model flags it"),
        ),
        "Ines moved the batch jobs to the overnight window.",
        "Kofi merged the alert rule change the next morning.",
        "Ines kicked off the restore from last night's snapshot.",
        "Ines deployed 4.2.1 with the timeout fix.",
        "The network team applied the vendor's recommended settings.",
        "Kofi bounced the pods one at a time.",
        "Kofi has restarted the consumer and is watching lag.",
        "The DBA ran VACUUM on the bloated table.",
        "Lena merged Kofi's pull request adding the missing index.",
        "| 14:02 | Lena | pushed config v41 |",
        "Ines, who was on call, restarted the gateway to pick up the new certificate.",
    ],
)
def test_a_change_framed_as_a_response_is_not_blame(rules: list[Rule], text: str) -> None:
    assert check(text, rules, PEOPLE) == []


# Written for the grammar fixes of the same round, not taken from any corpus part.
@pytest.mark.parametrize(
    "text",
    [
        "daniel skipped the smoke tests and shipped it anyway",  # chat style, lower case
        "The outage was triggered by a script from Olek, who ignored the dry-run warning.",
        "The root cause in two words: the contractor.",
        "The retry policy was tuned by someone with no clue how the upstream throttles.",
        "Whoever set up this cron job clearly didn't know what he was doing.",
        "No one on the platform team took the time to renew the certificate.",
        "The vendor team had been told to wait and still went ahead with the upgrade.",
        "Our SRE scaled the cluster to zero by accident.",
    ],
)
def test_people_in_chat_style_relative_clauses_and_idioms_are_found(
    rules: list[Rule], text: str
) -> None:
    assert check(text, rules, PEOPLE) != []


@pytest.mark.parametrize(
    "text",
    [
        "We should have had a dashboard for queue age long before this.",
        "We should have been paged by the disk alert, not by customers.",
        "Had the support docs described the fallback, the page would have gone to storage.",
        "The on-call runbook said nothing about the standby region.",
        "daniel: restarted the worker at 02:14, lag back to normal",
        "We really ought to have a load-test environment that matches production.",
        "The gallery's lazy-loading path blocked on the thumbnail service.",
    ],
)
def test_process_counterfactuals_and_role_words_as_modifiers_are_not_blame(
    rules: list[Rule], text: str
) -> None:
    assert check(text, rules, PEOPLE) == []


# Written for this rule, not taken from any corpus part: what a tool, a customer or a template
# said is reported, not the writer's blame, whichever rule (pattern or grammar) would read it.
@pytest.mark.parametrize(
    "text",
    [
        'The importer logged "operator error: missing header row" for every file.',
        'A user tweeted "some idiot broke the login page again" at 09:12.',
        "The commit was titled `undo my stupid mistake in the cache key`.",
        "The banner read \u201cYou forgot to verify your email\u201d on every page.",
        "The pager summary said 'operator error suspected on db-7' all night.",
    ],
)
def test_blame_words_inside_a_quote_are_not_read(rules: list[Rule], text: str) -> None:
    assert check(text, rules, PEOPLE) == []


# A person's change explained by what a tool or process lacked reads as the system's gap; the
# same change followed by its consequence still reads as who did it.
@pytest.mark.parametrize(
    "text",
    [
        "Kofi changed the quota in the admin panel, which had no confirmation step.",
        "Lena merged the migration; the review checklist did not cover lock duration.",
        "Ines deployed the router config because the freeze calendar showed no entry that day.",
        "Tomas rebooted the primary and nothing on the console showed it was production.",
    ],
)
def test_a_change_explained_by_what_the_system_lacked_is_not_blame(
    rules: list[Rule], text: str
) -> None:
    assert check(text, rules, PEOPLE) == []


@pytest.mark.parametrize(
    "text",
    [
        "Kofi pushed the new hosts file to every store at once and the tills could not reach "
        "the payment server.",
        "Lena merged the migration and never told the billing team.",
    ],
)
def test_a_change_followed_by_its_consequence_is_still_flagged(
    rules: list[Rule], text: str
) -> None:
    assert check(text, rules, PEOPLE) != []


def test_a_pattern_rule_can_ignore_a_thing_as_its_subject(tmp_path: Path) -> None:
    team = tmp_path / "team-rules.yaml"
    team.write_text(
        "rules:\n"
        "  - id: skipped\n"
        "    pattern: '\\bskipped\\b'\n"
        "    subject: person\n"
        "    why: w\n"
        "    hint: h\n"
    )

    (rule,) = load_rules(team)

    assert check("The scheduler skipped the backup.", [rule]) == []
    assert [f.rule for f in check("Daniel skipped the backup.", [rule], PEOPLE)] == ["skipped"]
    assert [f.rule for f in check("The backup was skipped.", [rule])] == ["skipped"]
    assert [f.rule for f in check("They skipped the backup.", [rule])] == ["skipped"]


def test_a_team_can_switch_off_a_grammar_category(tmp_path: Path) -> None:
    team = tmp_path / "team-rules.yaml"
    team.write_text(
        "rules:\n"
        "  - id: person-judgement\n"
        "    pattern: ''\n"
        "    why: switched off\n"
        "    hint: switched off\n"
    )

    rules = load_rules(SHIPPED_RULES, team)

    assert check("The rollout was slapdash.", rules) == []
    assert [f.rule for f in check("Whoever merged it ignored the linter.", rules)] == [
        "person-omission"
    ]


def test_an_unknown_grammar_category_is_reported_with_its_line(tmp_path: Path) -> None:
    team = tmp_path / "team-rules.yaml"
    team.write_text("rules:\n  - id: x\n    grammar: vibes\n    why: w\n    hint: h\n")

    with pytest.raises(SourceErrors) as raised:
        load_rules(team)

    (error,) = raised.value.errors
    assert (error.line, error.field) == (3, "rules[0].grammar")
    assert "unknown grammar category 'vibes'" in error.message


_WORDS = st.sampled_from(
    [
        "Daniel",
        "dkim",
        "@sam",
        "the",
        "contractor",
        "team",
        "he",
        "nobody",
        "no",
        "one",
        "had",
        "Had",
        "if",
        "should",
        "have",
        "'ve",
        "didn't",
        "not",
        "check",
        "forgot",
        "skipped",
        "deploy",
        "failed",
        "careless",
        "'s",
        "\u2019s",
        "their",
        "mistake",
        "oversight",
        "caused",
        "by",
        "because",
        "of",
        "without",
        "review",
        "cut",
        "corners",
        ",",
        ".",
        "|",
        '"',
        "\n",
        "\n```\n",
        "Stra\u00dfe",
        "deleted",
        "ran",
        "destroy",
        "silenced",
        "alert",
        "instead",
        "with",
        "zero",
        "password",
        "which",
        "locked",
        "fell",
        "over",
        "thats",
        "what",
        "who",
        "Big",
        "Tom",
        "Ilsabeth",
        "his",
        "traced",
        "to",
        "02:10",
        "restarted",
        "kept",
        "hammering",
        "went",
        "ahead",
        "still",
        "playbook",
        "we",
        "arjun",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, max_size=40).map(" ".join))
@example("nobody who")  # a relative subject with no verb after it once raised IndexError
@example("nobody , who")
@example("whoever")
def test_reading_only_cue_lines_finds_what_reading_every_sentence_finds(
    rules: list[Rule], text: str
) -> None:
    grammar = [rule for rule in rules if rule.grammar]
    by_category = {rule.grammar: rule.id for rule in grammar}
    people = People(PEOPLE)
    expected = sorted(
        (by_category[hit.category], start + hit.start, start + hit.end)
        for start, sentence in sentences(text)
        for hit in analyse(sentence, people)
    )

    found = sorted((f.rule, f.start, f.end) for f in check(text, grammar, PEOPLE))

    assert found == expected
