"""Scripted incidents for ``warroom dev --scenario``: the file format and its replay.

- ``model``   the YAML format (steps, their keys), parsed with line numbers.
- ``find``    people, channels, messages, buttons and modal fields named the way a reader would.
- ``runner``  :class:`ScenarioRun`: replays the steps through the same actions as the page.
"""
