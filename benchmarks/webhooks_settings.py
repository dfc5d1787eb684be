"""Settings of benchmarks/webhooks.py's gunicorn: the portal's own, with a URLconf that adds one bare view."""

from owlie_portal.settings import *  # noqa: F401,F403

ROOT_URLCONF = "webhooks_urls"
