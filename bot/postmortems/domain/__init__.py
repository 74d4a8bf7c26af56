"""Post-mortems, pure: sections of a Markdown draft, the three-way merge that keeps human edits,
the blameless-language check, and the plain values templates render (``inputs``).

Rendering (Jinja2), rule files (YAML) and database reads live in ``bot.postmortems``.
"""
