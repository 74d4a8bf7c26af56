"""Post-mortem adapters: Jinja2 templates, the blameless rule file, the optional config, and
drafting from the database (the pure parts are in ``bot.postmortems.domain``)."""
