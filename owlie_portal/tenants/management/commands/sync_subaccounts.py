"""Sync subaccounts from Twilio once, now (make run does this at start so drift shows without waiting)."""

from django.core.management.base import BaseCommand

from owlie_portal.tenants.services import tenants_sync_from_twilio


class Command(BaseCommand):
    help = "Compare every subaccount at Twilio with the portal once; update statuses and record drift."

    def handle(self, *args, **options):
        report = tenants_sync_from_twilio()
        self.stdout.write(f"Synced {report.seen} subaccounts in {report.pages} "
                          f"page{'' if report.pages == 1 else 's'}: {report.changed} changed, {report.drifts} new "
                          f"drift record{'' if report.drifts == 1 else 's'}.")
