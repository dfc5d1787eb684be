"""The roles' ledger permissions now belong to the operations app."""

from django.db import migrations

from owlie_portal.tenants.roles import roles_migrate


class Migration(migrations.Migration):
    dependencies = [("tenants", "0006_ledger_moves_to_operations"), ("operations", "0002_ledger_app_tables_and_claims")]
    operations = [migrations.RunPython(roles_migrate, migrations.RunPython.noop)]
