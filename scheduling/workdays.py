"""Working days of a project calendar (DESIGN §4 "Schedule"): day index <-> date, exactly and fast.

Pure: no Django, no clock. Used by the critical-path engine (``scheduling/engine.py``), the
services that store its results, and the pages that draw them.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt

__all__ = ["WorkCalendar", "shown_finish_index"]

IntArray = npt.NDArray[np.int64]

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """Working days of a project: ISO weekdays (1 = Monday) minus holidays, counted from
    ``start``.

    Index 0 is the first working day on or after ``start``; negative indexes count back before
    it. Conversions are O(log holidays): whole weeks by arithmetic, holidays by bisection, never
    a day-by-day walk. A non-working day maps to the index of the *next* working day (a task
    cannot start on a Saturday, so the Saturday you pick means Monday);
    :meth:`last_index_on_or_before` gives the previous one instead, for deadlines.
    """

    working_weekdays: frozenset[int]
    holidays: frozenset[date]
    start: date
    # Derived in __post_init__. Day "offsets" count calendar days from _origin, the Monday on or
    # before start, so the week arithmetic is the same for every calendar.
    _origin: int = field(init=False, repr=False, compare=False)
    _weekday_offsets: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _before_weekday: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _holiday_offsets: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _holiday_ranks: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _base: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        weekdays = set(self.working_weekdays)
        if not weekdays or not weekdays <= set(range(1, 8)):
            raise ValueError("working_weekdays must be a non-empty set of ISO weekdays 1-7")
        offsets = tuple(sorted(day - 1 for day in weekdays))
        before = tuple(sum(1 for offset in offsets if offset < r) for r in range(8))
        origin = self.start.toordinal() - self.start.weekday()
        # Only holidays on working weekdays remove a working day.
        holidays = sorted(
            day.toordinal() - origin for day in self.holidays if day.isoweekday() in weekdays
        )
        setter = object.__setattr__  # frozen dataclass: derived fields are set once, here
        setter(self, "_origin", origin)
        setter(self, "_weekday_offsets", offsets)
        setter(self, "_before_weekday", before)
        setter(self, "_holiday_offsets", tuple(holidays))
        # A holiday's rank among working days, had it been one; non-decreasing, so an index
        # finds how many holidays precede it by bisection.
        setter(
            self,
            "_holiday_ranks",
            tuple(self._weekday_rank(offset) - k for k, offset in enumerate(holidays)),
        )
        setter(self, "_base", self._rank(self.start.toordinal() - origin))

    def _weekday_rank(self, offset: int) -> int:
        """Working weekdays in [0, offset) (negative for offset < 0), holidays ignored."""
        weeks, day = divmod(offset, 7)
        return weeks * len(self._weekday_offsets) + self._before_weekday[day]

    def _rank(self, offset: int) -> int:
        """Working days before ``offset``, up to a constant shared by all offsets."""
        return self._weekday_rank(offset) - bisect_left(self._holiday_offsets, offset)

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working weekday and not a holiday."""
        return day.isoweekday() in self.working_weekdays and day not in self.holidays

    def date_to_index(self, day: date) -> int:
        """Index of ``day``, or of the next working day when ``day`` is not one."""
        return self._rank(day.toordinal() - self._origin) - self._base

    def last_index_on_or_before(self, day: date) -> int:
        """Index of ``day``, or of the previous working day (for deadlines)."""
        # Ordinal arithmetic, not ``day + 1 day``, which overflows on 31 Dec 9999.
        return self._rank(day.toordinal() + 1 - self._origin) - self._base - 1

    def actual_indexes(
        self, start: date | None, finish: date | None
    ) -> tuple[int | None, int | None]:
        """Indexes of an actual start and an inclusive actual finish, None where not given.

        Work done wholly on non-working days (a weekend cutover) would start on the next working
        day and finish on the previous one: it counts as done on the day it starts.
        """
        first = None if start is None else self.date_to_index(start)
        last = None if finish is None else self.last_index_on_or_before(finish)
        if first is not None and last is not None:
            last = max(first, last)
        return first, last

    def index_to_date(self, index: int) -> date:
        """The working day at ``index``."""
        target = index + self._base
        rank = target + bisect_right(self._holiday_ranks, target)
        weeks, day = divmod(rank, len(self._weekday_offsets))
        return date.fromordinal(self._origin + weeks * 7 + self._weekday_offsets[day])

    def shown_dates(self, early_start: int, early_finish: int) -> tuple[date, date]:
        """Start and inclusive finish as shown: a milestone shows on its start day."""
        return self.index_to_date(early_start), self.index_to_date(
            int(shown_finish_index(early_start, early_finish))
        )

    def project_finish(
        self, early_starts: npt.ArrayLike, early_finishes: npt.ArrayLike
    ) -> date | None:
        """The project's finish as every page shows it (see :func:`shown_finish_index`); None
        for a plan without tasks."""
        if np.size(early_starts) == 0:
            return None
        return self.index_to_date(int(shown_finish_index(early_starts, early_finishes)))

    def indexes_to_dates(self, indexes: npt.ArrayLike) -> npt.NDArray[np.datetime64]:
        """Vectorised :meth:`index_to_date`: int indexes to ``datetime64[D]``."""
        target = np.asarray(indexes, np.int64) + self._base
        rank = target + np.searchsorted(
            np.asarray(self._holiday_ranks, np.int64), target, side="right"
        )
        weeks, day = np.divmod(rank, len(self._weekday_offsets))
        offsets = weeks * 7 + np.asarray(self._weekday_offsets, np.int64)[day]
        return (offsets + (self._origin - _EPOCH_ORDINAL)).astype("datetime64[D]")

    def dates_to_indexes(self, days: npt.ArrayLike) -> IntArray:
        """Vectorised :meth:`date_to_index` over ``datetime64[D]`` (or date) values."""
        epoch_days = np.asarray(days, "datetime64[D]").astype(np.int64)
        offset = epoch_days - (self._origin - _EPOCH_ORDINAL)
        weeks, day = np.divmod(offset, 7)
        weekday_rank = (
            weeks * len(self._weekday_offsets) + np.asarray(self._before_weekday, np.int64)[day]
        )
        holidays = np.searchsorted(np.asarray(self._holiday_offsets, np.int64), offset)
        return weekday_rank - holidays - self._base


def shown_finish_index(
    early_start: npt.ArrayLike, early_finish: npt.ArrayLike, axis: int | None = None
) -> int | np.int64 | IntArray:
    """Index of the day shown as the finish (DESIGN §4): the working day at EF − 1 for a task
    with work, the day at ES for a milestone; for several tasks (a project, along ``axis``) the
    latest of those days.

    The one definition of a finish date: the task table, the schedule API, levelling, the
    forecast and the KPI snapshot all show it. A plan that ends with a milestone finishes on the
    milestone's day, one working day after the latest EF − 1 (a task with work has
    ES <= EF − 1, a milestone EF − 1 < ES, hence the max of the two maxima).
    """
    if isinstance(early_start, int) and isinstance(early_finish, int):
        return max(early_finish - 1, early_start)  # one task: no array round trip
    starts, finishes = np.asarray(early_start), np.asarray(early_finish)
    return np.maximum(np.max(finishes, axis=axis) - 1, np.max(starts, axis=axis))
