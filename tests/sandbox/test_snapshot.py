"""The sandbox workspace survives a restart: what Slack keeps is saved, ids never repeat."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from warroom_sandbox.seed import GENERAL, LEAD, ONCALL
from warroom_sandbox.snapshot import SnapshotError, load_file, save_file
from warroom_sandbox.workspace import Workspace


def test_round_trip(tmp_path: Path) -> None:
    ws = Workspace()
    channel = ws.create_channel("inc-1-db", "U0BOT", members=[ONCALL])
    ws.set_topic(channel.id, "U0BOT", "SEV2 | Investigating")
    card = ws.append_message(
        channel.id, user="U0BOT", text="card", blocks=[{"type": "divider", "block_id": "d"}]
    )
    ws.pin(channel.id, card.ts, "U0BOT")
    ws.react(channel.id, card.ts, LEAD, "eyes")
    ws.update_message(channel.id, card.ts, "U0BOT", text="card v2", blocks=None)
    ws.add_ephemeral(GENERAL, ONCALL, text="only for you")
    path = tmp_path / "ws.json"
    text = save_file(ws, path)
    assert save_file(ws, path, text) == text  # unchanged: not rewritten

    again = Workspace()
    assert load_file(again, path)
    restored = again.channel(channel.id)
    assert restored.topic == "SEV2 | Investigating"
    assert ONCALL in restored.members
    [pinned] = again.pins(channel.id)
    assert pinned.text == "card v2"
    assert pinned.edited is not None
    reaction = pinned.reaction("eyes")
    assert reaction is not None
    assert reaction.users == [LEAD]
    assert again.ephemerals() == []  # Slack does not keep them either
    newer = again.create_channel("inc-2-api", "U0BOT")
    assert newer.id != channel.id
    assert again.post_as_user(ONCALL, GENERAL, "x").ts > card.ts


def test_missing_and_foreign_files(tmp_path: Path) -> None:
    assert not load_file(Workspace(), tmp_path / "absent.json")
    foreign = tmp_path / "other.json"
    foreign.write_text(json.dumps({"hello": 1}), encoding="utf-8")
    with pytest.raises(SnapshotError):
        load_file(Workspace(), foreign)
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(SnapshotError):
        load_file(Workspace(), broken)
