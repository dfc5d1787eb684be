"""The three roles as groups, with their permissions (re-runnable: it only adds what is missing)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Support staff": [
        "tenants.view_tenant", "tenants.add_tenant", "tenants.change_tenant",
        "tenants.suspend_tenant", "tenants.reactivate_tenant", "tenants.close_tenant", "tenants.sync_tenant",
        "tenants.view_operation", "tenants.view_batch", "tenants.view_tenantdrift", "tenants.change_tenantdrift",
        "numbers.view_phonenumber", "numbers.buy_number", "numbers.transfer_number", "numbers.release_number",
        "messaging.view_messagingservice", "messaging.manage_service", "messaging.send_message",
    ],
    "Account managers": [
        "tenants.view_tenant", "tenants.view_billing", "tenants.view_operation", "tenants.view_batch",
        "tenants.view_tenantdrift", "numbers.view_phonenumber", "messaging.view_messagingservice",
    ],
    # Administrators get every permission of the portal's apps and of user management.
    "Administrators": ["tenants.*", "numbers.*", "messaging.*", "auth.*", "axes.*"],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        for name in names:
            app_label, codename = name.split(".")
            perms = Permission.objects.filter(content_type__app_label=app_label)
            if codename != "*":
                perms = perms.filter(codename=codename)
                if not perms.exists():
                    raise RuntimeError(f"role {role}: permission {name} does not exist")
            group.permissions.add(*perms)


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
