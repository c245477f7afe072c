"""The forecast charts' geometry (pure): dated time axes and value axes."""

from risks import charts


def _rows(days: int) -> list[dict]:
    return [
        {
            "index": i,
            "date": f"2027-06-{i + 1:02d}",
            "count": i % 4,
            "percent": 100 * (i + 1) / days,
        }
        for i in range(days)
    ]


def test_histogram_time_axis_names_first_and_last_date_in_words():
    """The histogram's x ticks are at most six dates, first and last included, in words."""
    chart = charts.histogram(_rows(20))
    labels = [t.label for t in chart.x_ticks]
    assert labels[0] == "1 Jun 2027" and labels[-1] == "20 Jun 2027"
    assert len(labels) == charts.DATE_TICKS
    assert [t.label for t in chart.y_ticks] == ["0", "2", "3"]


def test_s_curve_axes_dates_and_percentages():
    """The S-curve has dated x ticks and 0/50/100 % y ticks; one date gives one tick."""
    curve = charts.s_curve(_rows(3))
    assert [t.label for t in curve.x_ticks] == ["1 Jun 2027", "2 Jun 2027", "3 Jun 2027"]
    assert [t.label for t in curve.y_ticks] == ["0 %", "50 %", "100 %"]
    assert curve.first == "1 Jun 2027"
    assert len(charts.s_curve(_rows(1)).x_ticks) == 1
