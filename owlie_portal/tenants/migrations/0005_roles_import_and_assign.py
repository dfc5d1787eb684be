"""Support staff may import subaccounts; assigning account managers is new and for Administrators."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from owlie_portal.tenants.roles import roles_sync


def update_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    roles_sync(apps)


class Migration(migrations.Migration):
    dependencies = [("tenants", "0004_assign_account_manager_permission")]
    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]
