"""The three roles as groups, with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from owlie_portal.tenants.roles import roles_sync


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    roles_sync(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0001_initial"),
        ("numbers", "0001_initial"),
        ("messaging", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("axes", "0001_initial"),
    ]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
