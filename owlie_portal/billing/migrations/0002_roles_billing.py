"""Administrators get billing's permissions (edit markups, fees and caps)."""

from django.db import migrations

from owlie_portal.tenants.roles import roles_migrate


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial"), ("tenants", "0008_suspension_reason_spend_cap")]

    operations = [migrations.RunPython(roles_migrate, migrations.RunPython.noop)]
