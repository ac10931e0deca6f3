"""The cyclic collector paused and frozen around the build's long-lived data (communs.collector)."""

from __future__ import annotations

import gc

from communs.collector import frozen, paused


def test_frozen_blocks_nest_and_the_outermost_gives_everything_back():
    assert gc.get_freeze_count() == 0
    kept = [{"record": number} for number in range(100)]
    with frozen():
        assert gc.get_freeze_count() >= len(kept)
        with frozen():
            later = [{"made": "inside"}]
        # An inner block ending leaves what the outer one froze frozen (a build's render block
        # inside the whole build): the exports after it would otherwise walk the directory again.
        assert gc.get_freeze_count() >= len(kept) + len(later)
    assert gc.get_freeze_count() == 0


def test_frozen_objects_come_back_to_the_collector_even_after_a_failure():
    try:
        with frozen():
            raise ValueError("a build that failed")
    except ValueError:
        pass
    assert gc.get_freeze_count() == 0


def test_paused_restores_the_collector_as_it_found_it():
    assert gc.isenabled()
    with paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # not switched on behind the caller's back
    finally:
        gc.enable()
