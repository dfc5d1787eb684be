"""Support staff may import subaccounts; assigning account managers is new and for Administrators."""

from django.db import migrations

from owlie_portal.tenants.roles import roles_migrate


class Migration(migrations.Migration):
    dependencies = [("tenants", "0004_assign_account_manager_permission")]
    operations = [migrations.RunPython(roles_migrate, migrations.RunPython.noop)]
