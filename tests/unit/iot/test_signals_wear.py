"""Wear from current: a creeping machine alarms before it breaks; a load step does not alarm."""

import numpy as np

from demo.wear import DAY_S, Effect, LoadChange, WearScenario, scenarios, window
from services.iot.signals.wear import WearMonitor, best_step, theil_sen
from services.iot.signals.wear_features import window_features

START = 1_793_000_000.0


def run(scenario: WearScenario, days: float, seconds: float = 900.0) -> tuple[WearMonitor, list]:
    monitor, healths = WearMonitor(scenario.machine_id), []
    for hour in range(int(days * 24)):
        trace = window(scenario, START + hour * 3600.0, seconds)
        if trace is None:
            continue
        monitor.add(window_features(trace.timestamps, trace.amps, trace.labels))
        healths.append(monitor.assess(trace.timestamps[-1]))
    return monitor, healths


def wearing(machine_id: str, machine_type: str, mode: str, at_failure: Effect, seed: int):
    """A machine that starts wearing on day 5 and breaks on day 12."""
    return WearScenario(
        machine_id,
        machine_type,
        START,
        mode=mode,
        onset_s=START + 5 * DAY_S,
        failure_s=START + 12 * DAY_S,
        at_failure=at_failure,
        seed=seed,
    )


def test_a_dulling_blade_alarms_a_day_before_failure_and_says_why():
    saw = wearing("saw-1", "panel_saw", "blade_dulling", Effect(running=1.4, cycle=1.2), 3)
    _, healths = run(saw, 12)
    alarms = [h for h in healths if h.alarm]
    assert alarms and alarms[0].at <= saw.failure_s - DAY_S
    assert any("cutting current up" in e for e in alarms[-1].explanation)
    assert alarms[-1].score < 100


def test_thicker_boards_that_hold_are_a_load_change_not_wear():
    saw = WearScenario(
        "saw-2",
        "panel_saw",
        START,
        seed=4,
        load_changes=(LoadChange("thicker_board", START + 6 * DAY_S, Effect(running=1.25)),),
    )
    monitor, healths = run(saw, 14)
    assert not any(h.alarm for h in healths)
    assert any("cutting current stepped" in c for c in healths[-1].load_changes)


def test_a_healthy_saws_wandering_cycle_time_costs_it_no_health():
    """A 12-window mean of cycle times (a few near-exponential spells a window) wanders by about
    the feature's failure change: on the level alone these saws read 0, at the failure level,
    for hours. Only a cycle time rising as a trend (wearing) takes health away."""
    for seed in (2, 10):
        _, healths = run(WearScenario(f"saw-{seed}", "panel_saw", START, seed=seed), 14)
        wandered = [tr for h in healths for tr in h.trends if tr.feature == "cycle_s" and tr.elevated]
        assert wandered and not any(tr.precise for tr in wandered)
        assert min(h.score for h in healths) == 100 and not any(h.alarm for h in healths)


def test_the_simulated_windows_are_reproducible_and_break_at_failure():
    saw = WearScenario(
        "saw-3",
        "panel_saw",
        START,
        mode="bearing_wear",
        onset_s=START,
        failure_s=START + DAY_S,
        at_failure=Effect(idle=1.2),
        seed=5,
    )
    at = next(START + h * 3600.0 for h in range(24) if saw.in_shift(START + h * 3600.0))
    a, b = window(saw, at), window(saw, at)
    assert a is not None and b is not None and np.array_equal(a.amps, b.amps)
    assert window(saw, START + 2 * DAY_S) is None


def test_a_feed_wearing_machine_alarms_on_its_lengthening_cycles_a_day_ahead():
    sander = wearing("sander-1", "sander", "feed_wear", Effect(running=1.03, cycle=1.5), 8)
    # every sample of the hour, as the iot service sees them (the benchmark samples 15 minutes)
    _, healths = run(sander, 12, seconds=3600.0)
    first = next(h for h in healths if h.alarm)
    assert first.at <= sander.failure_s - DAY_S
    assert any("cycle time up" in e for e in first.explanation)


def test_the_trend_test_asks_more_of_noise_than_of_a_steady_rise():
    rng = np.random.default_rng(1)
    t = np.arange(60, dtype=float)
    noise = rng.normal(10.0, 3.0, t.size)
    assert theil_sen(t, noise)[2] < 2.5
    slope, _, z = theil_sen(t, noise + 0.15 * t)
    assert z > 2.5 and 0.08 < slope < 0.25
    # the same rise over a third of the points is not yet sure
    assert theil_sen(t[:20], (noise + 0.15 * t)[:20])[2] < theil_sen(t, noise + 0.15 * t)[2]


def test_the_best_step_is_found_where_the_level_moved():
    x = np.r_[np.full(30, 10.0), np.full(20, 12.5)] + np.random.default_rng(2).normal(0, 0.3, 50)
    k, cost = best_step(x)
    assert k == 30 and cost < 50 * 0.3**2 * 1.5
    assert best_step(np.ones(8))[0] == 0


def test_sudden_failures_join_the_fleet_without_changing_the_rest_and_show_nothing():
    plain, with_sudden = scenarios(7, 4, 4, 21.0), scenarios(7, 4, 4, 21.0, sudden=2)
    assert with_sudden[:8] == plain
    sudden = with_sudden[8:]
    assert [s.shape for s in sudden] == ["sudden", "sudden"]
    for s in sudden:
        assert s.effect_at(s.failure_s - 60.0) == Effect() and s.failed(s.failure_s)
