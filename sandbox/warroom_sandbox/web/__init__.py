"""The browser sandbox of ``warroom dev``: a small Slack client in a web page.

Map (each module's docstring states its contract):

- ``app``        HTTP: the page, its state and action endpoints, and the one-port router.
- ``page``       the page's regions (sidebar, messages, modal, banners...) rendered per viewer.
- ``blockkit``   Block Kit to HTML; ``mrkdwn``: Slack's text formatting; ``emoji``: short names.
- ``actions``    what a person does, turned into Slack's signed requests to the bot.
- ``delivery``   sending them, Slack's failure words, event retries, the bot's health.
- ``composer``   what the message box makes of typed text (commands, mentions, escaping).
- ``manifest``   the app's declared commands, shortcuts and events.
- ``desk``       client-side state: read markers, Slackbot notices, modal trouble, problems.
- ``directory``  the viewer, names and time zone used while rendering.
- ``templates/`` and ``static/``: the page's HTML, script and style sheet (no build step).
"""
