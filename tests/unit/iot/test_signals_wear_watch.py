"""The wear watch: samples in batches, cut into hours, each machine's health out."""

import numpy as np
import pytest

from demo.wear import DAY_S, Effect, WearScenario, window
from services.iot.signals.states import InvalidSamples
from services.iot.signals.wear_watch import WearWatch, health_view

START = 1_793_000_000.0 - 1_793_000_000.0 % 3600  # on the hour


def feed(watch: WearWatch, scenario: WearScenario, days: float, batch: int = 120) -> list:
    """Every sample of every hour in shift, in batches of `batch` samples as intake gets them."""
    healths = []
    for hour in range(int(days * 24)):
        trace = window(scenario, START + hour * 3600.0, 3600.0)
        if trace is None:
            continue
        for i in range(0, trace.amps.size, batch):
            cut = slice(i, i + batch)
            h = watch.add(
                scenario.machine_id, trace.timestamps[cut], trace.amps[cut], trace.labels[cut]
            )
            if h is not None:
                healths.append(h)
    return healths


def test_a_wearing_saw_is_seen_in_its_health_before_it_breaks_and_a_healthy_one_is_not():
    watch = WearWatch()
    saw = WearScenario(
        "saw-1",
        "panel_saw",
        START,
        mode="blade_dulling",
        onset_s=START + 5 * DAY_S,
        failure_s=START + 12 * DAY_S,
        at_failure=Effect(running=1.4, cycle=1.2),
        seed=3,
    )
    calm = WearScenario("saw-2", "panel_saw", START, seed=4)
    healths = feed(watch, saw, 12)
    feed(watch, calm, 12)
    # one health per closed hour, each at the end of its hour
    assert healths and all(h.at % 3600 == 0 for h in healths)
    first = next(h for h in healths if h.alarm)
    assert first.at <= saw.failure_s - DAY_S
    view = health_view(watch.health("saw-1"))
    assert view["alarm"] and view["score"] < 100 and view["explanation"]
    assert not watch.health("saw-2").alarm
    calm_view = health_view(watch.health("saw-2"))
    assert calm_view["score"] > 80 and not calm_view["explanation"]
    assert watch.health("saw-9") is None
    watch.maintained("saw-1", saw.failure_s)
    assert watch.health("saw-1") is None


def test_batches_that_go_back_in_time_or_do_not_match_are_refused():
    watch = WearWatch()
    t = START + np.arange(10.0)
    watch.add("m", t, np.ones(10), np.zeros(10, dtype=np.int8))
    with pytest.raises(InvalidSamples):
        watch.add("m", t - 5, np.ones(10), np.zeros(10, dtype=np.int8))
    with pytest.raises(InvalidSamples):
        watch.add("m", t + 20, np.ones(9), np.zeros(10, dtype=np.int8))
    assert watch.add("m", t[:0], np.ones(0), np.zeros(0)) is None
