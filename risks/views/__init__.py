"""Browser pages of the risks app, all under /projects/<pk>/risks/, by domain.

``register`` holds the risk register with its filters, a risk with its actions and "this risk
occurred"; ``issues`` the issue log; ``scale`` the risk scale and the heat map with the trend;
``forecast`` the Monte Carlo forecast (queued to Celery; the page polls a progress partial every
second while it runs). The shared page renderer is in ``base``; ``risks/urls.py`` names each view
by its module.
"""
