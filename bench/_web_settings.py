"""Settings of the gunicorn that ``bench.web`` starts: Charter's own, served with the plain DRF
lists of ``bench.lists`` in front of its URLs (``bench._web_urls``), so the baseline runs in the
same processes, behind the same middleware, as the lists it is compared with."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench._web_urls"
