"""The ledger moves out of tenants: the models take over tenants' existing tables (no data is copied or
lost), and their content types — with the permissions and groups that point at them — move along."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ["operation", "batch"]


def move_content_types(from_app, to_app):
    def run(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        for model in MOVED:
            if ContentType.objects.filter(app_label=to_app, model=model).exists():
                continue  # created meanwhile by post_migrate: the old one (with its permissions) is stale
            ContentType.objects.filter(app_label=from_app, model=model).update(app_label=to_app)
    return run


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
        ("tenants", "0005_roles_import_and_assign"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Batch",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("kind", models.CharField(max_length=40)),
                        ("description", models.CharField(max_length=200)),
                        ("total", models.PositiveIntegerField(default=0)),
                        ("refused", models.PositiveIntegerField(default=0,
                                                                help_text="Objects refused before any Twilio call.")),
                        ("refused_detail", models.TextField(blank=True)),
                        ("params", models.JSONField(blank=True, default=dict)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("requested_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                           to=settings.AUTH_USER_MODEL)),
                    ],
                    options={"verbose_name_plural": "batches", "ordering": ["-created_at"],
                             "db_table": "tenants_batch"},
                ),
                migrations.CreateModel(
                    name="Operation",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("kind", models.CharField(db_index=True, max_length=40)),
                        ("state", models.CharField(choices=[("queued", "Queued"), ("running", "Running"),
                                                            ("succeeded", "Succeeded"), ("failed", "Failed"),
                                                            ("unknown", "Unknown (reconciling)")],
                                                   db_index=True, default="queued", max_length=20)),
                        ("target_sid", models.CharField(blank=True, help_text="The Twilio object acted on.",
                                                        max_length=34)),
                        ("params", models.JSONField(blank=True, default=dict)),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        ("error_code", models.IntegerField(blank=True, db_index=True, null=True,
                                                           verbose_name="Twilio error code")),
                        ("error_message", models.TextField(blank=True)),
                        ("result_sid", models.CharField(blank=True, max_length=34)),
                        ("task_id", models.CharField(blank=True, max_length=64)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("batch", models.ForeignKey(blank=True, null=True,
                                                    on_delete=django.db.models.deletion.PROTECT,
                                                    related_name="operations", to="operations.batch")),
                        ("requested_by", models.ForeignKey(blank=True, null=True,
                                                           on_delete=django.db.models.deletion.SET_NULL,
                                                           to=settings.AUTH_USER_MODEL)),
                        ("tenant", models.ForeignKey(blank=True, null=True,
                                                     on_delete=django.db.models.deletion.PROTECT,
                                                     related_name="operations", to="tenants.tenant")),
                    ],
                    options={
                        "ordering": ["-created_at", "-id"],
                        "db_table": "tenants_operation",
                        "indexes": [
                            models.Index(fields=["batch", "state"], name="tenants_ope_batch_i_4ef320_idx"),
                            models.Index(fields=["state", "updated_at"], name="tenants_ope_state_3ff90d_idx"),
                            models.Index(fields=["tenant", "-created_at"], name="tenants_ope_tenant__21b39e_idx"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types("tenants", "operations"),
                             move_content_types("operations", "tenants")),
    ]
