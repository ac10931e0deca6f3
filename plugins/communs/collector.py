"""The cyclic garbage collector around the build's big, long-lived data.

A directory read for a build is hundreds of thousands of dicts, lists and texts that live until
the build ends and hold no cycle (they are freed by their reference counts). Each full pass of
the collector walks all of them: at 15,000 records, such passes took a third of a rebuild after
one edit. So the collector pauses while they are made (``paused``), and ``frozen`` moves what is
alive out of its sight (``gc.freeze``) until the outermost ``frozen`` block ends; objects made
later are collected as usual. Forked workers inherit frozen objects without writing into them
(a collection would touch each object's header, copying every page of memory a worker shares).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_depth = 0  # of nested ``frozen`` blocks


@contextmanager
def paused() -> Iterator[None]:
    """No collection in this block (many objects made, none of them in a cycle); used as a
    decorator on what reads records, verdicts and history. The pause is the whole process's (a
    thread of ``communs serve`` validating pauses it for the others meanwhile, which only delays
    their collections), and a process forked meanwhile inherits it: worker pools started in such
    a block enable the collector in their workers (``initializer=gc.enable``)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


@contextmanager
def frozen() -> Iterator[None]:
    """What is alive now is left alone by the collector until the outermost block ends (then it
    is collected as usual again: a long-lived process drops its old directories)."""
    global _depth
    gc.freeze()
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            gc.unfreeze()
