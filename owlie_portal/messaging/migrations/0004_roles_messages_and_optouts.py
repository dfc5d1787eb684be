"""Support staff and account managers see messages and the opt-out ledger; support staff import opt-outs."""

from django.db import migrations

from owlie_portal.tenants.roles import roles_migrate


class Migration(migrations.Migration):
    dependencies = [("messaging", "0003_messages_and_optout_ledger"), ("tenants", "0007_roles_operations")]
    operations = [migrations.RunPython(roles_migrate, migrations.RunPython.noop)]
