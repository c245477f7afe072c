"""The URLconf of ``bench.web``'s gunicorn: ``/plain/tasks/`` and the other plain DRF lists of
``bench.lists`` over the bench's project (``BENCH_WEB_PROJECT``, ``BENCH_WEB_USER``: ids), then
Charter's own URLs."""

import os

from bench.lists import plain_lists

urlpatterns = plain_lists(
    int(os.environ["BENCH_WEB_PROJECT"]), int(os.environ["BENCH_WEB_USER"])
).urlpatterns
