"""The Celery application: configuration comes from Django settings (namespace CELERY)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "owlie_portal.settings")

# DjangoTask gives every task delay_on_commit / apply_async_on_commit.
app = Celery("owlie_portal", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _close_old_db_connections(**kwargs) -> None:
    """What Django does around a request: drop connections past CONN_MAX_AGE or left unusable."""
    from django.db import close_old_connections

    close_old_connections()
