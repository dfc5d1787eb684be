"""Support staff see and resolve number drift; account managers see it."""

from django.db import migrations

from owlie_portal.tenants.roles import roles_migrate


class Migration(migrations.Migration):
    dependencies = [
        ("numbers", "0003_number_drift"),
        ("tenants", "0007_roles_operations"),
    ]

    operations = [migrations.RunPython(roles_migrate, migrations.RunPython.noop)]
