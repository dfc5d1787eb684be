"""The three roles as groups, with their permissions."""

from django.db import migrations

from owlie_portal.tenants.roles import roles_migrate


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0001_initial"),
        ("numbers", "0001_initial"),
        ("messaging", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("axes", "0001_initial"),
    ]
    operations = [migrations.RunPython(roles_migrate, migrations.RunPython.noop)]
