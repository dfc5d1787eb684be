"""Re-encrypt every stored secret under the newest key of FIELD_ENCRYPTION_KEYS."""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from owlie_portal.crypto import EncryptedTextField


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field with the first key in FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        total = 0
        for model in apps.get_models():
            names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if not names:
                continue
            with transaction.atomic():
                # Loading decrypts with any key; saving encrypts with the first one.
                for obj in model._default_manager.select_for_update().only("pk", *names).iterator():
                    obj.save(update_fields=names)
                    total += 1
        self.stdout.write(f"Re-encrypted {total} row{'' if total == 1 else 's'}.")
