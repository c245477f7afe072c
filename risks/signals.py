"""Signals through which higher apps follow the forecast without risks importing them.

``forecast_finished``
    Sent by ``services.forecast_run_compute`` once a run is done and its results, with the
    chances of meeting the target finish and the budget, are stored. Arguments: ``project`` and
    ``run``. ``reports`` listens and queues a KPI refresh after the commit, as health reads the
    latest run's chance of meeting the target.
"""

from django.dispatch import Signal

forecast_finished = Signal()
