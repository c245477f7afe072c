"""Agile arithmetic against hand-worked examples."""

from datetime import date, timedelta

import pytest

from scheduling.agile import burndown, forecast_sprints_left, mean_velocity

DAYS = [date(2026, 3, 2) + timedelta(days=i) for i in range(5)]  # Monday to Friday


def test_burndown_counts_points_left_each_day_with_an_even_ideal_line():
    """20 points, 5 done Tuesday and 8 Thursday: 20, 15, 15, 7, 7 left; ideal 20 → 0."""
    days = burndown(days=DAYS, committed=20, done=[(DAYS[3], 8), (DAYS[1], 5)], today=DAYS[4])
    assert [d.remaining for d in days] == [20, 15, 15, 7, 7]
    assert [d.ideal for d in days] == [20.0, 15.0, 10.0, 5.0, 0.0]


def test_burndown_leaves_future_days_blank():
    """Days after today have an ideal value but no actual one yet."""
    days = burndown(days=DAYS, committed=10, done=[], today=DAYS[1])
    assert [d.remaining for d in days] == [10, 10, None, None, None]


@pytest.mark.parametrize(
    ("velocities", "remaining", "mean", "sprints"),
    [
        ([10, 20, 30, 40], 100, 30.0, 4),  # the last three: (20 + 30 + 40) / 3 = 30
        ([12], 30, 12.0, 3),
        ([], 30, None, None),
        ([0, 0], 30, 0.0, None),
        ([10, 10, 10], 0, 10.0, 0),
    ],
)
def test_forecast_sprints_left_uses_the_mean_of_the_last_three(
    velocities, remaining, mean, sprints
):
    """Sprints left = ceil(remaining points / mean velocity of the last 3 closed sprints)."""
    assert mean_velocity(velocities) == mean
    assert forecast_sprints_left(remaining, velocities) == sprints
