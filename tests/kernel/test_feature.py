"""Plugging features in: what two features may not both claim."""

from __future__ import annotations

import pytest

from bot.kernel.feature import Feature, slash_commands


def _never(_: str) -> bool:
    return False


def test_each_feature_brings_its_own_slash_commands() -> None:
    merged = slash_commands(
        [
            Feature("incidents", slash_commands={"/incident": _never}),
            Feature("retention"),
            Feature("oncall", slash_commands={"/oncall": _never}),
        ]
    )
    assert sorted(merged) == ["/incident", "/oncall"]


def test_two_features_claiming_one_slash_command_are_refused() -> None:
    with pytest.raises(ValueError, match="/oncall is claimed by oncall and rotas"):
        slash_commands(
            [
                Feature("oncall", slash_commands={"/oncall": _never}),
                Feature("rotas", slash_commands={"/oncall": _never}),
            ]
        )
