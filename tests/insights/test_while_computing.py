"""Computing a scope changes two process-wide settings (the GIL switch interval, the cyclic
garbage collector); overlapping computations must leave both as they found them."""

from __future__ import annotations

import gc
import sys

from bot.insights.web.warmup import YIELD_SECONDS, collector_paused, yielding


def test_overlapping_computations_put_the_settings_back_when_the_last_ends() -> None:
    interval = sys.getswitchinterval()
    assert gc.isenabled()
    with yielding(), collector_paused():
        assert sys.getswitchinterval() == min(interval, YIELD_SECONDS)
        assert not gc.isenabled()
        with yielding(), collector_paused():  # a refresh while the warm-up computes
            pass
        assert sys.getswitchinterval() == min(interval, YIELD_SECONDS)
        assert not gc.isenabled()
    assert sys.getswitchinterval() == interval
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
