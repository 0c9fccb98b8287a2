"""Energy integrated from current against analytic cases; CO2e; attribution of energy to orders."""

import math

import numpy as np
import pytest

from services.iot.signals import (
    IdleEnergyRule,
    InvalidSamples,
    OperationRun,
    PowerSeries,
    Supply,
    attribute_energy,
    co2e_kg,
)

pytestmark = pytest.mark.unit

THREE_PHASE = Supply(volts=400.0, power_factor=0.85, three_phase=True)
SINGLE_PHASE = Supply(volts=230.0, power_factor=1.0, three_phase=False)


def test_constant_current_for_an_hour_on_three_phases():
    t = np.arange(0.0, 3601.0, 2.0)
    power = PowerSeries.from_samples(t, np.full(t.size, 10.0), THREE_PHASE)

    expected_kwh = math.sqrt(3) * 400 * 0.85 * 10 / 1000  # one hour at P = √3·V·I·PF
    assert power.kwh_between(0.0, 3600.0) == pytest.approx(expected_kwh, rel=1e-12)
    assert power.kwh_between(900.0, 1800.0) == pytest.approx(expected_kwh / 4, rel=1e-12)


def test_linear_current_ramp_is_integrated_exactly_even_between_samples():
    t = np.arange(0.0, 3601.0, 7.0)  # samples do not fall on the query instants
    amps = 0.01 * t  # 0 → 36 A over the hour
    power = PowerSeries.from_samples(t, amps, SINGLE_PHASE)

    def analytic(a, b):  # ∫ 230 · 0.01 t dt, in kWh
        return 230 * 0.01 * (b**2 - a**2) / 2 / 3.6e6

    assert power.kwh_between(0.0, 3598.0) == pytest.approx(analytic(0.0, 3598.0), rel=1e-12)
    assert power.kwh_between(100.5, 2000.25) == pytest.approx(analytic(100.5, 2000.25), rel=1e-12)


def test_energy_per_interval_adds_up_to_the_whole():
    t = np.arange(0.0, 7200.0)
    amps = 5.0 + 4.0 * np.sin(t / 300.0)
    power = PowerSeries.from_samples(t, amps, THREE_PHASE)
    edges = np.arange(0.0, 7200.0, 900.0)

    per_quarter = power.kwh_per_interval(edges)

    assert per_quarter.sum() == pytest.approx(power.kwh_between(edges[0], edges[-1]), rel=1e-12)


def test_no_energy_is_booked_across_a_gap():
    t = np.r_[np.arange(0.0, 600.0), np.arange(1800.0, 2400.0)]
    power = PowerSeries.from_samples(t, np.full(t.size, 10.0), THREE_PHASE, max_gap_s=10.0)

    hours_covered = (599.0 + 599.0) / 3600
    assert power.kwh_between(0.0, 2400.0) == pytest.approx(
        math.sqrt(3) * 400 * 0.85 * 10 / 1000 * hours_covered, rel=1e-12
    )
    assert power.covered_seconds_per_interval([0.0, 2400.0])[0] == pytest.approx(1198.0)


def test_per_sample_voltage_and_power_factor_are_used():
    t = np.arange(0.0, 3601.0)
    power = PowerSeries.from_samples(
        t,
        np.full(t.size, 10.0),
        SINGLE_PHASE,
        volts=np.full(t.size, 220.0),
        power_factor=np.full(t.size, 0.5),
    )
    assert power.kwh_between(0.0, 3600.0) == pytest.approx(1.1)


def test_co2e_is_energy_times_the_grid_factor():
    assert co2e_kg(12.5, 0.58) == pytest.approx(7.25)


def test_samples_out_of_order_are_refused():
    with pytest.raises(InvalidSamples):
        PowerSeries.from_samples(np.array([0.0, 2.0, 1.0]), np.ones(3))


def _steady_machine():
    t = np.arange(0.0, 3601.0)
    return PowerSeries.from_samples(t, np.full(t.size, 1000 / 230), SINGLE_PHASE)  # 1 kW


OPERATIONS = [
    OperationRun("order-a", 0.0, 1200.0),
    OperationRun("order-b", 600.0, 1800.0),  # shares 600–1200 with order-a
    OperationRun("order-a", 2400.0, 3000.0),
]


def test_overlapping_operations_share_the_energy_of_their_common_time():
    result = attribute_energy(_steady_machine(), OPERATIONS, 0.0, 3600.0)

    kwh_per_s = 1.0 / 3600
    assert result.by_order["order-a"] == pytest.approx((600 + 300 + 600) * kwh_per_s)
    assert result.by_order["order-b"] == pytest.approx((300 + 600) * kwh_per_s)
    assert result.unattributed_kwh == pytest.approx(1200 * kwh_per_s)


@pytest.mark.parametrize("rule", list(IdleEnergyRule))
def test_the_split_always_sums_to_the_total(rule):
    result = attribute_energy(_steady_machine(), OPERATIONS, 0.0, 3600.0, rule)

    assert sum(result.by_order.values()) + result.unattributed_kwh == pytest.approx(
        result.total_kwh, rel=1e-12
    )
    assert result.total_kwh == pytest.approx(1.0)


def test_idle_energy_goes_to_the_next_operation_when_the_rule_says_so():
    result = attribute_energy(
        _steady_machine(), OPERATIONS, 0.0, 3600.0, IdleEnergyRule.NEXT_OPERATION
    )

    assert result.by_order["order-a"] == pytest.approx((1500 + 600) / 3600)  # 1800–2400 set-up
    assert result.unattributed_kwh == pytest.approx(600 / 3600)  # after the last operation


def test_idle_energy_is_shared_pro_rata():
    result = attribute_energy(_steady_machine(), OPERATIONS, 0.0, 3600.0, IdleEnergyRule.PRO_RATA)

    assert result.unattributed_kwh == 0.0
    assert result.by_order["order-a"] / result.by_order["order-b"] == pytest.approx(1500 / 900)


def test_co2e_per_order_follows_the_attribution():
    result = attribute_energy(_steady_machine(), OPERATIONS, 0.0, 3600.0)
    co2 = result.co2e_by_order(0.5)
    assert co2["order-b"] == pytest.approx(0.5 * 900 / 3600)
