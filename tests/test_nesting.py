"""Holds that nest within a process (the lake's flock and its Prefect lease share the rule)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from digestlake.core.nesting import Nesting


def test_only_the_outermost_hold_acquires_and_a_failed_one_leaves_nothing() -> None:
    acquired: list[str] = []
    fail = {"now": True}

    @contextmanager
    def acquire():
        if fail["now"]:
            raise RuntimeError("busy")
        acquired.append("in")
        yield "acquired"
        acquired.append("out")

    nesting = Nesting()
    with pytest.raises(RuntimeError, match="busy"), nesting.hold("lake", acquire, "nested"):
        pass
    fail["now"] = False  # the failed hold counted nothing: the next one acquires
    with nesting.hold("lake", acquire, "nested") as outer:
        with (
            nesting.hold("lake", acquire, "nested") as inner,
            nesting.hold("other", acquire, "nested") as other,
        ):
            assert (outer, inner, other) == ("acquired", "nested", "acquired")
        assert acquired == ["in", "in", "out"]  # the inner hold released nothing
    assert acquired == ["in", "in", "out", "out"]
    with nesting.hold("lake", acquire, "nested") as again:
        assert again == "acquired"
