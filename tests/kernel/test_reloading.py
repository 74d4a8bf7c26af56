"""``Reloading`` under many threads: one load at a time, only whole good values served, and
subscribers told in load order, one at a time, outside the lock (so they may read it back)."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import pytest

from bot.kernel.reloading import Reloading, files_stamp
from bot.kernel.yamlsource import SourceError, SourceErrors

READERS = 48  # as many as the Slack listener pool
WRITES = 60


class Overlap:
    """Counts how many threads are inside at once, and the most ever seen."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.inside = 0
        self.most = 0

    def __enter__(self) -> None:
        with self._lock:
            self.inside += 1
            self.most = max(self.most, self.inside)

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self.inside -= 1


def write(path: Path, text: str, version: int) -> None:
    """Replace ``path`` whole (a reader never meets half a file), with a distinct mtime."""
    spare = path.with_suffix(".tmp")
    spare.write_text(text)
    os.utime(spare, (version, version))
    os.replace(spare, path)


def generation_of(path: Path, loads: Overlap) -> int:
    """A file holding ``generation N``; anything else is a broken edit (``SourceErrors``)."""
    with loads:
        time.sleep(0.001)  # long enough for other threads to pile up on the lock
        text = path.read_text()
        if not text.startswith("generation "):
            raise SourceErrors([SourceError(str(path), 1, "", f"not a generation: {text!r}")])
        return int(text.removeprefix("generation "))


def test_many_readers_see_only_whole_good_values_in_order_while_the_file_changes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "value.txt"
    write(path, "generation 0", 1)
    loads, telling = Overlap(), Overlap()
    live = Reloading(
        lambda: generation_of(path, loads),
        lambda: files_stamp([path]),
        what=f"generation in {path}",
        check_every=0.0,  # every read looks: as much contention as there can be
    )
    told: list[int] = []
    read_back: list[int] = []

    def subscriber(value: int) -> None:
        with telling:
            told.append(value)
            read_back.append(live())  # outside the lock: reading it back does not deadlock

    live.subscribe(subscriber)
    done = threading.Event()
    seen: list[list[int]] = [[] for _ in range(READERS)]
    failures: list[BaseException] = []

    def reader(mine: list[int]) -> None:
        try:
            while not done.is_set():
                mine.append(live())
        except BaseException as error:  # reported by the test, not lost in the thread
            failures.append(error)

    threads = [threading.Thread(target=reader, args=(seen[i],)) for i in range(READERS)]
    for thread in threads:
        thread.start()
    good, last_good = {0}, 0
    for version in range(1, WRITES + 1):
        if version % 10 == 0:
            write(path, "broken", version + 1)
        else:
            write(path, f"generation {version}", version + 1)
            good.add(version)
            last_good = version
        time.sleep(0.003)
    # The last word is a good one: a broken last write could hide the version before it, had
    # no reader looked in the 3 ms it stood.
    last_good = WRITES + 1
    write(path, f"generation {last_good}", last_good + 1)
    good.add(last_good)
    deadline = time.monotonic() + 10
    while live() != last_good and time.monotonic() < deadline:
        time.sleep(0.01)
    done.set()
    for thread in threads:
        thread.join(timeout=10)

    assert failures == []
    assert loads.most == 1, "two threads loaded at once"
    assert telling.most == 1, "two threads told the subscribers at once"
    assert live() == last_good
    for mine in seen:
        assert mine, "every reader got a value"
        assert mine == sorted(mine), "a reader saw an older value after a newer one"
        assert set(mine) <= good, "only values that loaded are served"
    assert len(told) > WRITES // 4, "subscribers were told about most reloads"
    assert told == sorted(set(told)), "each value told once, in load order"
    assert told[-1] == last_good
    assert all(back >= value for value, back in zip(told, read_back, strict=True))
    assert "not reloaded, still serving the last good one" in caplog.text


def test_a_broken_edit_keeps_the_last_good_value_and_records_its_errors(tmp_path: Path) -> None:
    path = tmp_path / "value.txt"
    write(path, "generation 1", 1)
    now = [0.0]
    live = Reloading(
        lambda: generation_of(path, Overlap()),
        lambda: files_stamp([path]),
        what="generation",
        check_every=5.0,
        monotonic=lambda: now[0],
    )
    told: list[int] = []
    live.subscribe(told.append)

    write(path, "broken", 2)
    now[0] = 4.9
    assert (live(), live.last_errors) == (1, []), "not looked at before the interval"
    now[0] = 5.0
    assert live() == 1
    assert [error.message for error in live.last_errors] == ["not a generation: 'broken'"]
    assert told == []

    write(path, "generation 2", 3)
    now[0] = 10.0
    assert (live(), live.last_errors, told) == (2, [], [2])


def test_a_subscriber_added_later_is_told_and_a_failing_one_does_not_stop_the_others(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "value.txt"
    write(path, "generation 1", 1)
    live = Reloading(
        lambda: generation_of(path, Overlap()),
        lambda: files_stamp([path]),
        what="generation",
        check_every=3600.0,
    )

    def failing(value: int) -> None:
        raise RuntimeError(f"cannot use {value}")

    told: list[int] = []
    live.subscribe(failing)
    live.subscribe(told.append)  # like the on-call reminders, subscribed once they exist
    write(path, "generation 2", 2)
    assert live() == 1, "not looked at before the interval"
    live.check()
    assert (live(), told) == (2, [2])
    assert "a subscriber to generation failed after a reload" in caplog.text
    assert "cannot use 2" in caplog.text
    write(path, "generation 3", 3)
    assert live.reload() == []
    assert told == [2, 3]


def test_a_start_with_a_broken_file_raises_every_error(tmp_path: Path) -> None:
    path = tmp_path / "value.txt"
    write(path, "broken", 1)
    with pytest.raises(SourceErrors, match="not a generation"):
        Reloading(lambda: generation_of(path, Overlap()), lambda: files_stamp([path]), what="x")


def test_the_stamp_changes_with_files_added_edited_or_removed(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    write(a, "one", 1)
    before = files_stamp([a, b])
    assert before == ((str(a), 1.0, 3), (str(b), -1.0, -1))
    write(b, "two", 2)
    assert files_stamp([a, b]) != before
    write(a, "three", 2)
    assert files_stamp([a]) == ((str(a), 2.0, 5),)


def test_logging_names_the_source(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "value.txt"
    write(path, "generation 1", 1)
    live = Reloading(
        lambda: generation_of(path, Overlap()),
        lambda: files_stamp([path]),
        what=f"generation in {path}",
        check_every=0.0,
    )
    caplog.set_level(logging.INFO, logger="bot.kernel.reloading")
    write(path, "generation 2", 2)
    assert live() == 2
    assert f"generation in {path} reloaded" in caplog.text
