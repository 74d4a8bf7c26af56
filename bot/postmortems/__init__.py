"""Post-mortems: drafted from the timeline, reviewed in Slack and on a web page, exported.

- ``domain/``: the pure inputs, sections, blameless check and three-way merge.
- ``templates``/``rules``/``config``/``drafting``/``drafter``: Jinja2 templates, the blameless
  rule file, the optional config, drafting from the database.
- ``service``/``review``/``store``/``exports``: the review use cases and publishing.
- ``slack/``, ``web/``: the Slack surfaces and the review page; ``feature``: the plug.
"""
