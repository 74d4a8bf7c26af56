"""Word lists the blame grammar (``grammar``) reads: who can be blamed and what blames them.

Entries are base forms; ``words.stems`` maps inflections to them (``skipped`` ->
``skip``, ``carelessly`` -> ``careless``, ``negligence`` -> ``negligent``), so a list holds
each word once. The lists aim at breadth (synonyms a writer reaches for), not at any test set.
"""

from __future__ import annotations


def word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# People by role. A head noun; the phrase around it ("the new contractor", "our DBA") is found
# by the grammar.
ROLE_NOUNS = word_set(
    """
    contractor subcontractor freelancer consultant vendor-engineer technician tech intern trainee
    apprentice hire newcomer newbie rookie junior senior engineer developer dev programmer coder
    dba admin administrator sysadmin operator sre devops-engineer on-call oncall on-caller
    reviewer approver deployer releaser committer author maintainer owner lead manager pm
    captain commander coordinator responder analyst architect tester employee staffer colleague
    coworker co-worker teammate person individual guy gal specialist agent rep representative
    officer director executive vp cto ceo cio ciso boss supervisor scribe driver shepherd
    gatekeeper dispatcher planner designer scientist student volunteer member human user-admin
    superuser release-manager programmer hacker
    ic tl swe oncaller releaser shipper implementer integrator handler
    steward custodian caretaker veteran old-timer graduate grad joiner starter temp outsourcer
    bloke chap fella fellow dude lad
    """
)

# A group of people: the head of "the support team", "the networking folks".
TEAM_HEADS = word_set("team squad crew group department dept org folks guys people staff unit desk")

# Departments named bare as a subject ("Support ignored ...", "QA signed off ...").
DEPARTMENTS = word_set(
    """
    support ops devops infra infrastructure qa security secops netops networking marketing sales
    legal finance it sre platform engineering product design billing payments dba helpdesk
    frontend backend mobile management leadership
    compliance hr procurement operations noc soc
    """
)

# Pronouns and indefinite or relative subjects that stand for people.
PRONOUNS = word_set(
    """
    he she they we i you someone somebody anyone anybody everyone everybody nobody whoever
    whomever
    no-one
    """
)

# Common first names, so a person the configuration does not list is still recognised when
# written with a capital. Names that are everyday words (Will, May, Mark, Grace) are left out.
FIRST_NAMES = word_set(
    """
    aaron abdul abigail adam adrian ahmed aisha akira alan alex alexander alexandra alice alicia
    amanda amelia amir amy ana andrea andrew andy angela anita ann anna anne anthony antonio arjun
    ashley ayesha barbara ben benjamin beth brandon brian bruno carla carlos carmen carol caroline
    catherine charles charlie chen chloe chris christian christina christopher claire claudia
    connor daniel danielle david deepak diana diego dimitri dmitri elena eli elijah elizabeth ella
    emily emma eric erik ethan eva fatima felix fernando fiona francesca frank gabriel gabriela
    george gina greg gregory hana hannah hans harry hassan hector helen henry hiroshi hugo ian igor
    isaac isabel isabella ivan jack jacob james jamal jane janet jason javier jennifer jessica
    jiayi jim joanna joe john jonas jonathan jorge jose joseph josh joshua juan julia julian
    justin kai karen karl kate katie kenji kevin kim kofi kumar kyle laura lauren leo leon liam
    lin linda lisa lucas lucia luis luke maria marie marcus mario martin mary matt matthew max
    maya megan mei mia michael michelle miguel mike mohamed mohammed nadia naomi natalia natasha
    nathan nicholas nick nicole nina noah olga oliver olivia omar oscar pablo paolo patrick paul
    pedro peter priya rachel rahul raj rajesh ravi rebecca ricardo richard rob robert roberto
    ryan sam samantha samuel sandra sara sarah sean sergei sergio simon sofia sophie stefan
    stephanie steve steven sunil susan takeshi tanya thomas tim timothy tom tomas tony valentina
    victor victoria vikram vincent wei william xavier yan yuki yusuf zara zoe
    abdullah adebayo adriana agnieszka ahmad aiden alberto aleksandr alessandro alexei ali
    alina amara amit ana-maria anastasia andre andrei aniket anil anton arash arturo astrid
    axel bartholomew beatriz bilal bjorn bogdan boris camila chidi chinedu chloe cristina dalia
    damian dana darius dawit deniz dev devon dina dmitry duc ebony eduardo efua ekaterina emeka
    emre enrique esther fabio farah farid fatou felipe femi florian francisco gaurav giulia
    gustavo hamza haruto hiro hyun ibrahim ifeoma ilya imani ines ingrid irina isabela ishaan
    jakub jamie jan jasmine javed jens jiho jin joao jonah juliana jun kaito kamal karim kasia
    katarzyna keisha kenta khalid kiran kwame lars leila lena lior lorenzo luca lukas magnus
    malik manuel marek mariana marta mateo matteo mehmet mei-ling mikhail minh mohammad moritz
    mustafa nadia nasser neha nikhil nikolai nils noor obi oleg olumide omari oskar pavel
    pierre piotr pooja quentin rafael rahim ramon rashid reza rohan rosa ruben rui sakura sana
    santiago sasha sebastian seo-yeon shreya siddharth sigrid sina siobhan soren stellan sven
    tariq thabo thiago tobias tomasz tunde uma vanessa vasil vera wojciech xin yara yasmin
    yerlan yosef yuna yusuf zainab zeynep zhang zheng
    """
)

# Verbs that, with a person as subject, say the person slipped, broke or skipped something.
FAILURE_VERBS = word_set(
    """
    forget neglect ignore overlook miss skip omit disregard dismiss bypass circumvent override
    overrule botch bungle fumble mangle mess screw muck goof blunder break trash wreck corrupt
    wipe nuke clobber overwrite truncate destroy mistype misread misjudge misconfigure mishandle
    misunderstand misinterpret misplace miscalculate misclick mislabel misroute misapply misuse
    misname misconstrue misremember mislead fat-finger typo rush cause crash leak sabotage shirk
    flout defy violate breach contravene rubber-stamp fudge procrastinate dawdle pressure bully
    coerce
    flub muff bollix louse foul fluff hose brick bork fry torch zap stomp trample mislay
    mismanage misspell misorder misassign misdirect misreport miscommunicate misprioritize
    misprioritise mistime misestimate underestimate force-push ram bulldoze steamroll railroad
    derail jeopardize jeopardise endanger tank disobey skirt sidestep dodge evade short-circuit
    skimp scrimp shortchange forgo forego renege bodge panic doze oversleep misfile mistag
    refuse hesitate stonewall
    ruin spoil scupper scuttle confuse deprioritize deprioritise mismatch
    butcher mangle garble muddle
    """
)

# Irregular forms the stemmer cannot reach, mapped to their base.
IRREGULAR = {
    "broke": "break",
    "broken": "break",
    "forgot": "forget",
    "forgotten": "forget",
    "overrode": "override",
    "overridden": "override",
    "overwrote": "overwrite",
    "overwritten": "overwrite",
    "misread": "misread",
    "misunderstood": "misunderstand",
    "mistook": "mistake",
    "mistaken": "mistake",
    "misled": "mislead",
    "took": "take",
    "taken": "take",
    "brought": "bring",
    "blew": "blow",
    "blown": "blow",
    "knew": "know",
    "known": "know",
    "went": "go",
    "gone": "go",
    "slept": "sleep",
    "fell": "fall",
    "fallen": "fall",
    "lost": "lose",
    "left": "leave",
    "let": "let",
    "ran": "run",
    "sat": "sit",
    "thought": "think",
    "caught": "catch",
    "saw": "see",
    "seen": "see",
    "read": "read",
    "wrote": "write",
    "written": "write",
    "did": "do",
    "done": "do",
    "shut": "shut",
    "cut": "cut",
    "put": "put",
    "set": "set",
    "ate": "eat",
    "eaten": "eat",
    "got": "get",
    "gotten": "get",
    "panicked": "panic",
    "panicking": "panic",
    "kept": "keep",
}
# Irregular past participles that, after "was"/"were", make a passive: "was sent the link".
PARTICIPLES = word_set("sent given told shown found made held kept paid built heard bought taught")

# Phrasal failures: a verb base and the particle that makes it a failure ("took down", "messed up").
PHRASAL_FAILURES = {
    "take": frozenset({"down", "out", "offline"}),
    "bring": frozenset({"down"}),
    "knock": frozenset({"over", "out", "down"}),
    "blow": frozenset({"up", "away", "off", "through", "past"}),
    "brush": frozenset({"off", "aside"}),
    "wave": frozenset({"through", "off", "away"}),
    "sit": frozenset({"on"}),
    "sleep": frozenset({"through", "in"}),
    "fall": frozenset({"asleep", "behind"}),
    "wander": frozenset({"off", "away"}),
    "walk": frozenset({"away", "off"}),
    "step": frozenset({"away"}),
    "log": frozenset({"off", "out"}),
    "lose": frozenset({"track", "sight", "focus", "patience", "thread", "control", "plot"}),
    "nod": frozenset({"off"}),
    "cock": frozenset({"up"}),
    "mix": frozenset({"up"}),
    "drag": frozenset({"feet", "heels"}),
    "doze": frozenset({"off"}),
    "slack": frozenset({"off", "on"}),
    "shrug": frozenset({"off", "aside"}),
    "laugh": frozenset({"off"}),
    "goof": frozenset({"off", "around"}),
    "wing": frozenset({"it"}),
    "phone": frozenset({"it"}),
    "go": frozenset({"home", "offline", "dark", "silent", "quiet", "awol", "missing", "rogue"}),
    "drop": frozenset({"the"}),  # "dropped the ball/table": see DROP_OBJECTS
    "cut": frozenset({"corners", "corner"}),
    "jump": frozenset({"the", "ahead"}),
    "pull": frozenset({"the"}),
    "play": frozenset({"fast"}),
    "gloss": frozenset({"over"}),
    "skim": frozenset({"over", "through"}),
    "push": frozenset({"ahead", "on", "through"}),
    "plough": frozenset({"ahead", "on"}),
    "plow": frozenset({"ahead", "on"}),
    "forge": frozenset({"ahead"}),
    "race": frozenset({"ahead"}),
}

# Things a person "dropped" that make it a failure.
DROP_OBJECTS = word_set("ball table database index bucket column collection schema keyspace")

# Diligence verbs: negated with a person subject ("did not test", "never checked", "nobody
# noticed") they say a person failed to do their part.
DILIGENCE_VERBS = word_set(
    """
    check double-check test verify validate read look review follow notice bother escalate tell
    inform notify update communicate ask wait monitor watch confirm consider think understand
    care page document report respond acknowledge answer heed listen pay plan prepare coordinate
    announce warn flag raise catch spot investigate consult loop rehearse practise practice
    backup snapshot sanity-check proofread examine inspect audit analyse analyze research learn
    study train attend bother realise realize remember recall mention disclose share ticket
    follow-up handover hand brief alert call phone chase question challenge push-back object
    stop pause ack show turn join reply return sync involve configure drill
    commit run install enable re-enable retest re-test try
    """
)

# Modals that, with "have", make a counterfactual about what someone did.
CF_MODALS = word_set("should could would ought must might needed need shall")

# Judgement of a person's care, competence or character.
JUDGEMENT = word_set(
    """
    careless reckless sloppy lazy negligent incompetent inept clueless cavalier thoughtless
    irresponsible unprofessional amateurish amateur lax inattentive absent-minded heedless
    hasty rash slapdash slipshod haphazard shoddy lackadaisical complacent overconfident
    arrogant stupid dumb idiotic idiot foolish fool moronic moron boneheaded brainless dim-witted
    ignorant unqualified incapable useless hopeless clumsy bumbling blundering lousy
    pathetic embarrassing shameful disgraceful inexcusable unforgivable derelict remiss culpable
    culprit guilty wilful willful half-assed half-baked ham-fisted cack-handed butterfingers
    dozy lethargic apathetic indifferent unmotivated dismissive flippant glib smug cocky
    blasé blase nonchalant unthinking mindless witless dense dopey daft silly ridiculous
    absurd asinine unreliable untrustworthy irresponsibly sloppiness laziness dereliction
    incompetency slacker lazybones cowboy yolo gung-ho trigger-happy unforgiveable inexperienced
    unskilled untrained unprepared unfocused distracted sleepy negligently neglectful forgetful
    scatterbrained careless-ness sloth slovenly uncaring unconcerned unbothered
    perfunctory egregious cursory blatant flagrant impulsive brash hapless lacklustre
    lackluster half-hearted ineffectual unfit ill-prepared impatient ineptitude bumbling
    careless-ly unconscionable unjustifiable unwarranted
    retrain re-train awol
    heavy-handed offhand indolent slothful uninterested disengaged gullible credulous
    foolhardy dishonest deceitful blameworthy botched bungled blindly inexperience complacency
    hubris haste shambolic
    """
)

# Judgement phrases: a first word and the words that may follow it to make the phrase.
JUDGEMENT_PHRASES = {
    "lack": word_set(
        "care diligence attention judgement judgment rigor rigour ownership professionalism "
        "competence discipline focus awareness thought thoroughness caution skill experience"
    ),
    "poor": word_set(
        "judgement judgment decision decisions call choice choices discipline attention care "
        "diligence ownership work workmanship effort form"
    ),
    "bad": word_set("judgement judgment call decision decisions choice choices form faith"),
    "rookie": word_set("mistake error move blunder"),
    "beginner": word_set("mistake error move"),
    "newbie": word_set("mistake error move"),
    "junior": word_set("mistake error move"),
    "amateur": word_set("mistake error move hour"),
    "schoolboy": word_set("error mistake"),
    "asleep": word_set("at"),
    "eye": word_set("off"),
    "eyes": word_set("off"),
    "no": word_set("excuse"),
    "one": word_set("job"),
    "corner-cutting": frozenset({""}),
    "more": word_set(
        "careful carefully attentive diligent thorough cautious rigorous competent experienced "
        "skilled responsible conscientious vigilant"
    ),
    "less": word_set("careless reckless hasty lazy sloppy"),
    "common": word_set("sense"),
    "basic": word_set(
        "competence diligence care experience knowledge understanding skill skills hygiene"
    ),
}

# Nouns for a slip that, owned by a person ("X's oversight", "their mistake"), blame them.
BLAME_NOUNS = word_set(
    """
    mistake error fault oversight negligence carelessness blunder screw-up screwup slip slip-up
    lapse misjudgement misjudgment failure sloppiness incompetence inattention laziness
    recklessness misstep gaffe goof bungle fumble cock-up fuck-up fuckup omission neglect typo
    misread misconfiguration fat-finger bad-call ignorance inexperience haste doing fault
    wrongdoing misconduct misdeed mess-up messup mix-up mixup boo-boo clanger howler faux-pas
    miscalculation misunderstanding forgetfulness inaction indifference complacency
    ineptitude impatience recklessness thoughtlessness rashness laxity laxness cockup balls-up
    """
)

POSSESSIVE_PRONOUNS = word_set("his her their your my our whose someone's somebody's")

# Frames that attribute the outcome to what follows them ("caused by", "because of").
CAUSAL_FRAMES = (
    ("caused", "by"),
    ("introduced", "by"),
    ("stemmed", "from"),
    ("stems", "from"),
    ("stemming", "from"),
    ("resulted", "from"),
    ("arose", "from"),
    ("originated", "with"),
    ("pinned", "on"),
    ("feet", "of"),
    ("work", "of"),
    ("consequence", "of"),
    ("product", "of"),
    ("rooted", "in"),
    ("hands", "of"),
    ("triggered", "by"),
    ("due", "to"),
    ("because", "of"),
    ("owing", "to"),
    ("attributable", "to"),
    ("attributed", "to"),
    ("traced", "to"),
    ("traced", "back", "to"),
    ("traceable", "to"),
    ("blamed", "on"),
    ("result", "of"),
    ("fault", "of"),
    ("doing", "of"),
    ("lies", "with"),
    ("lay", "with"),
    ("rests", "with"),
    ("rested", "with"),
    ("falls", "on"),
    ("fell", "on"),
    ("on", "account", "of"),
    ("courtesy", "of"),
    ("responsibility", "of"),
    ("comes", "down", "to"),
    ("came", "down", "to"),
    ("come", "down", "to"),
    ("is", "down", "to"),
    ("was", "down", "to"),
    ("boils", "down", "to"),
    ("boiled", "down", "to"),
)

# The words of those frames a sentence must hold (its cue words; "by", "to", "of" are too common).
CAUSAL_WORDS = word_set(
    "caused triggered due because owing attributable attributed traced traceable blamed result "
    "fault doing lies lay rests rested falls fell account courtesy responsibility down boils "
    "introduced stemmed stems stemming resulted arose originated pinned feet hands work "
    "consequence product rooted"
)

# "The (root) cause was <person>": a cause noun, then a copula within a few words.
CAUSE_NOUNS = word_set("cause causes culprit")
COPULAS = word_set("is was were are be been 's")

# With a person's action, these say it was done against a safeguard or without care.
DEFIANCE = word_set("despite anyway regardless notwithstanding")
AGAINST_OBJECTS = word_set(
    """
    advice policy process procedure runbook guidance recommendation recommendations protocol
    practice rules rule instructions orders warning warnings checklist playbook guidelines
    """
)
WITHOUT_OBJECTS = word_set(
    """
    review approval testing tests test sign-off permission authorization authorisation warning
    notice heads-up backup backups plan rollback pair eyes peer second consent coordination
    announcement telling asking checking looking reading testing waiting verifying reviewing
    thinking notifying informing validating confirming consulting flag canary soak snapshot
    dry-run safeguard safeguards safety check checks ticket ticket change-request tests approval
    dry backoff back-off heads-up
    """
)
# "let X lapse", "left X running": the words that make let/leave a failure.
LET_COMPLEMENTS = word_set(
    "slip lapse expire through rot drift unattended unchecked unnoticed fester pile slide go"
)
LEAVE_COMPLEMENTS = word_set(
    """
    out on enabled running unattended open exposed behind unpatched unlocked unmonitored
    half-finished half-done broken dangling misconfigured unfinished disabled off way
    """
)
# Verbs that start things: with a person subject and an outage as object they name a cause.
START_VERBS = word_set("trigger start create spark provoke precipitate kick set cause induce")

# Verbs of finding or fixing: "spotted the wrong ETA" is not a slip.
PERCEPTION_VERBS = word_set(
    """
    spot notice find see saw identify catch caught flag report correct fix repair replace revert
    discover detect diagnose confirm point mention explain investigate trace highlight
    """
)

# Remedies: "rolled back the risky change" is not a slip.
REMEDIAL_VERBS = word_set(
    """
    roll revert undo disable remove restore repair replace mitigate rollback back-out contain
    stop pause halt cancel abort quarantine isolate drain retire delete-safely clean fix patch
    """
)
# Words for a risky change: with a person's (non-remedial) action they say it was taken anyway.
RISKY = word_set("risky dangerous unsafe destructive forbidden prohibited unsupported hazardous")

# Shipping a change that was not ready: a ship verb and a quality word in its object.
SHIP_VERBS = word_set(
    "push deploy ship merge release roll commit apply approve introduce land cut publish run "
    "promote"
)
UNREADY = word_set(
    """
    untested unreviewed unvetted unverified unapproved unauthorized unauthorised unsanctioned
    half-finished buggy broken faulty wrong bad incorrect experimental unfinished unready
    incomplete
    unannounced unscheduled unplanned uncoordinated unsanctioned unmonitored
    """
)

# Verbs that pass the subject on to the verb after them: "chose to skip", "kept ignoring".
LIGHT_VERBS = word_set(
    """
    chose choose chooses decided decide decides opted opt proceeded proceed tried try attempted
    continued continue kept keep insisted went go goes elected
    """
)
# With a person subject, "too" and one of these says they were slow or rash.
TOO_WORDS = word_set(
    "late long slow slowly early soon quick quickly eager hasty trusting casual relaxed lenient "
    "confident busy"
)
# Participles that, with "by <person>", put a missed step on that person.
UNDONE = word_set(
    "unanswered unacknowledged unread unreviewed unnoticed unheeded unattended untouched unfixed"
)

# Adverbs that say a person's action was a slip ("mistakenly promoted the replica").
SLIP_ADVERBS = word_set(
    """
    mistakenly accidentally inadvertently erroneously wrongly incorrectly improperly
    unintentionally unwittingly unknowingly wrongfully
    """
)

# Words the grammar steps over between a subject and its verb.
AUXILIARIES = word_set(
    """
    had has have 've 'd did does do was were is are am been be being will would should could
    might must may can shall ought to 'll 're 'm
    """
)
NEGATIONS = word_set("not n't never no-longer hardly barely")
ADVERBS = word_set(
    """
    just also then again even still already once simply really actually apparently clearly
    obviously probably certainly definitely totally completely entirely only ever further too
    later first unfortunately ultimately basically frankly honestly sadly somehow once again
    repeatedly twice personally himself herself themselves myself ourselves yourself directly
    immediately quickly soon subsequently originally initially evidently plainly mistakenly
    accidentally inadvertently unknowingly unwittingly knowingly deliberately intentionally
    consistently routinely regularly always usually often sometimes rarely seemingly allegedly
    """
)

# Words that start a new clause: the subject of what follows is found again.
SUBORDINATORS = word_set(
    """
    because since when while after before although though if unless until once as whereas
    where which that so whether whenever wherever whilst
    """
)
COORDINATORS = word_set("and but or then yet nor plus")
DETERMINERS = word_set(
    """
    the a an this that these those our their his her its my your some any no every each another
    one two three several many few all both either neither whose
    """
)
PREPOSITIONS = word_set(
    """
    of to for by with from on in at about into onto over under between among through during
    against without within across behind beyond near toward towards upon via per like than
    """
)

# Harm: with a person as the subject, an action whose verb, object or manner marks damage, or
# whose clause is followed by the damage it did ("the new hire ran terraform destroy in the
# production workspace", "... and it hammered the upstream until it fell over").

# Verbs that destroy or tear out by themselves ("deleted the apex record", "yanked the uplink").
DESTRUCTIVE_VERBS = word_set(
    """
    destroy delete erase purge wipe nuke drop truncate obliterate shred demolish hardcode
    hard-code yank unplug rip rm-rf decommission deprovision terminate
    """
)
# Commands a person "ran", "typed" or "executed" that destroy ("ran terraform destroy").
RUN_VERBS = word_set("run execute issue type invoke fire trigger kick paste enter launch apply")
DESTRUCTIVE_COMMANDS = word_set(
    "destroy delete drop truncate wipe purge rm rm-rf erase format reset--hard force-push"
)
# Verbs that turn a safeguard off, and the safeguards ("silenced the pager").
DEFEAT_VERBS = word_set(
    """
    disable silence mute snooze suppress switch turn shut kill remove comment bypass override
    deactivate unset
    """
)
DEFEAT_PARTICLES = word_set("off out down")
SAFEGUARDS = word_set(
    """
    alert alerts alarm alarms pager page pages paging monitor monitors monitoring limiter
    limiters rate-limit rate-limiter limit limits check checks guard guards guardrail guardrails
    protection protections validation validations lint linter test tests backup backups
    firewall lock locks quota quotas throttle throttling breaker circuit-breaker canary canaries
    approval approvals alerting healthcheck healthchecks health-check probe probes watchdog
    safeguard safeguards safety safety-net failsafe fail-safe interlock confirmation
    """
)
# Secrets a person copied or committed somewhere they leak from.
SECRETS = word_set(
    """
    secret secrets password passwords credential credentials api-key api-keys private-key
    passphrase passphrases keyfile keyfiles keypair
    """
)
LEAK_VERBS = word_set(
    """
    commit push paste copy post share upload check hardcode hard-code embed email send publish
    expose leak put store log print bake include
    """
)
# Damage a person's action went on to do, in the clause that follows it ("that locked the
# orders table", "which is how they ended up on GitHub", "and every job went with it").
DAMAGE_VERBS = word_set(
    """
    hammer overload overwhelm flood swamp saturate exhaust starve lock deadlock crash break wipe
    corrupt delete drop erase truncate leak expose lose knock topple kill block stall choke
    cripple wreck trash nuke brick melt clobber overwrite ddos spam thrash flatten
    """
)
# Phrasal damage: a verb base and the particle ("fell over", "ended up on GitHub").
DAMAGE_PHRASES = {
    "fall": frozenset({"over", "down", "apart"}),
    "go": frozenset({"down", "with", "dark", "offline"}),
    "end": frozenset({"up"}),
    "take": frozenset({"down", "out"}),
    "bring": frozenset({"down"}),
    "blow": frozenset({"up", "away"}),
    "fill": frozenset({"up"}),
}
# Words that start the clause carrying an action's consequence.
CONSEQUENCE_LINKS = word_set("and which that so until thats that's it this")
# Nouns for a harmless, corrected object: "deleted the stale lock file" is a fix.
REPAIR_OBJECTS = word_set(
    """
    stuck stale bad broken orphaned duplicate corrupt corrupted faulty leftover poisoned rogue
    runaway hung zombie dangling temporary temp old-unused offending failing flapping spurious
    noisy test scratch unused
    """
)
# Artefacts a judgement word may describe without judging anyone ("a sloppy regex").
ARTEFACTS = word_set(
    """
    regex regexes regexp regexps pattern patterns glob globs parser parsers query queries schema
    schemas default defaults timeout timeouts threshold thresholds heuristic heuristics
    algorithm algorithms hash matcher matchers serializer tokenizer format expression
    expressions cron mapping mappings rule rules filter filters grammar
    """
)
# Infrastructure products, so a capitalised subject that is one is not taken for a person.
PRODUCTS = word_set(
    """
    terraform kubernetes k8s kubectl helm argo argocd flux istio envoy linkerd consul vault nomad
    docker podman postgres postgresql mysql mariadb redis memcached kafka zookeeper rabbitmq
    nats elasticsearch opensearch cassandra mongo mongodb dynamo dynamodb spanner bigquery
    snowflake nginx haproxy traefik caddy apache jenkins gitlab github bitbucket circleci
    travis buildkite spinnaker ansible puppet chef salt saltstack packer prometheus grafana
    loki tempo jaeger datadog splunk sentry pagerduty opsgenie statuspage cloudflare fastly
    akamai aws gcp azure s3 ec2 lambda route53 cloudfront cloudwatch rds aurora gke eks aks
    celery sidekiq airflow cron systemd linux windows chrome safari android ios slack jira
    linear confluence okta auth0 stripe twilio sendgrid mailgun
    """
)

# Change: the inverse of harm. What a person legitimately does in incident prose is a closed
# class (respond: roll back, fail over, page, escalate, restore, confirm ...); a change to a live
# system (push, deploy, restart, flip, point, kick off, close the ticket ...) with a person as its
# subject reads as "who did it" unless the sentence frames it as a response: a purpose ("to clear
# the lock"), a fix or recovery ("the hotfix", "and the errors stopped"), a procedure ("per the
# runbook", "after confirming the offsets", "following the checklist") or a timeline entry ("at
# 14:02"). Blame then needs no damage word: "flipped the payment gateway to sandbox mode".
CHANGE_VERBS = word_set(
    """
    push deploy ship release merge approve change edit modify tweak alter update set reset
    flip toggle switch point redirect reroute move migrate rename resize bump lower increase
    decrease restart reboot bounce power-cycle kill start kick launch trigger run execute apply
    force promote demote drop delete remove purge wipe truncate reindex reformat overwrite
    replace swap uninstall mute silence snooze disable close mark call hammer chmod chown pull
    unplug hardcode hard-code commit re-run rerun hotpatch upgrade downgrade cut-over edit
    enable install reconfigure configure rebalance tear spin shrink expand evict tune retune
    deactivate re-point repoint
    """
)
# Objects that make a change a response: "deployed the fix", "ran the documented procedure".
RESPONSE_OBJECTS = word_set(
    """
    fix fixes hotfix hotfixes patch patches rollback failover mitigation workaround drill
    procedure procedures runbook runbooks playbook playbooks backup backups snapshot snapshots
    traffic healthy right correct missing standby replacement cleanup revert investigation
    triage bridge war-room warroom status severity sev priority lead role roles title summary
    commander scribe incident post-mortem postmortem emergency channel corrected fixed patched
    known-good previous restore recovery repair rebuild failback
    """
)
# Verbs after the change that say it helped or was checked ("and the errors stopped", "after
# confirming the offsets"): inflected, since "the test box" is no check. Then words that say so
# whatever their form.
RECOVERY_WORDS = word_set(
    """
    recover restore stop clear resolve return stabilise stabilize heal free help fix drain
    subside settle succeed work confirm verify check test validate review mitigate watch monitor
    reduce eliminate solve end cure unblock
    """
)
RECOVERED = word_set(
    """
    normal baseline documented following planned approved reviewed maintenance window recommended
    suggested advised agreed gradually incrementally carefully cautiously staged batches
    """
)
# A fix named anywhere after the change: "deployed 4.2.1 with the timeout fix".
FIX_WORDS = word_set(
    "fix fixes hotfix hotfixes patch patches workaround workarounds mitigation rollback failover"
)
# States of the thing a person acted on that make the action a repair, wherever they stand:
# "ran VACUUM on the bloated table", "restarted the wedged consumer".
PROBLEM_STATES = frozenset(REPAIR_OBJECTS) | word_set(
    "bloated overloaded degraded unhealthy lagging wedged deadlocked saturated crashed crashing"
)
# Days and relative times that, like a clock time, make a sentence a timeline entry: "the next
# morning", "on Tuesday". Friday and weekends are left out: a change then is a risk of its own.
TIMELINE_WORDS = word_set(
    """
    morning afternoon evening monday tuesday wednesday thursday next later following earlier
    """
)
# "after the review", "after sign-off": the change waited for its check.
SIGN_OFFS = word_set("review approval sign-off signoff go-ahead ok okay agreement discussion vote")
# Where a failover goes: "switched the DNS to the standby load balancer".
FALLBACKS = word_set("standby secondary failover backup healthy dr fallback")
# Words that mark a change as taken at risk, which a clock time does not excuse: a live target,
# everything at once, peak load, an unchecked state ("uncommitted"). The strong ones (the wrong
# target, self-approval "his own change", a mistaken belief "thinking she was on the test box",
# doing it anyway or while the outage was "still" going) are not excused by a response object
# either: "closed the incident ticket while it was still happening".
RISK_MARKERS = word_set(
    "prod production peak middle alone every all busiest rush sale holiday friday weekend freeze "
    "nobody unattended"
)
STRONG_RISK_MARKERS = word_set(
    """
    wrong own anyway still regardless despite against instead thinking assuming believing
    unilaterally whole entire live
    """
)
