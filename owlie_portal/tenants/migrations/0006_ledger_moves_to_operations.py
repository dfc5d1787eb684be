"""Operation and Batch now belong to the operations app (which took over their tables as they are)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0005_roles_import_and_assign"),
        ("operations", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Operation"), migrations.DeleteModel(name="Batch")],
            database_operations=[],
        ),
    ]
