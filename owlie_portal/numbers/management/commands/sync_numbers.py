"""Sync every account's phone numbers from Twilio once, now (make run does this at start, after subaccounts)."""

from django.core.management.base import BaseCommand

from owlie_portal.numbers.services import numbers_sync_from_twilio


class Command(BaseCommand):
    help = "Compare every synced account's phone numbers at Twilio with the inventory once; record drift."

    def handle(self, *args, **options):
        report = numbers_sync_from_twilio()
        plural = lambda count, word: f"{count} {word}{'' if count == 1 else 's'}"  # noqa: E731
        self.stdout.write(f"Read {plural(report.seen, 'number')} in {plural(report.accounts, 'account')} ({report.pages} list "
                          f"request{'' if report.pages == 1 else 's'}): {report.appeared} added, {report.drifts} "
                          f"new drift record{'' if report.drifts == 1 else 's'}"
                          f"{f', {len(report.failed_accounts)} accounts unreadable' if report.failed_accounts else ''}.")
