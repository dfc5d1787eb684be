"""`manage.py sync_usage`: read every tenant's usage from Twilio now (make run does it once after the seed,
so the billing pages have 13 months before beat's first nightly sync)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from owlie_portal.billing.services import usage_sync


class Command(BaseCommand):
    help = "Sync every live tenant's Usage Records (and the parent's own) from Twilio."

    def add_arguments(self, parser):
        parser.add_argument("--backfill", action="store_true", help="read 13 months for every tenant")

    def handle(self, *args, backfill: bool, **options):
        report = usage_sync(backfill=backfill)
        self.stdout.write(f"Usage synced for {report.synced} of {report.tenants} tenants "
                          f"({report.backfilled} backfilled, {report.months_changed} account-months written, "
                          f"{report.api_calls} Usage API calls).")
        for name, error in sorted(report.errors.items()):
            self.stderr.write(f"  {name}: not synced: {error}")
