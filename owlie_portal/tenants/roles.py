"""The three roles as groups with their permissions. Used by the data migration (and by tests, whose
transactional flush empties the groups table)."""

ROLES = {
    "Support staff": [
        "tenants.view_tenant", "tenants.add_tenant", "tenants.change_tenant",
        "tenants.suspend_tenant", "tenants.reactivate_tenant", "tenants.close_tenant", "tenants.sync_tenant",
        "tenants.import_tenants",
        "operations.view_operation", "operations.view_batch", "tenants.view_tenantdrift", "tenants.change_tenantdrift",
        "numbers.view_phonenumber", "numbers.buy_number", "numbers.transfer_number", "numbers.release_number",
        "messaging.view_messagingservice", "messaging.manage_service", "messaging.send_message",
        "messaging.view_message", "messaging.view_optout", "messaging.add_optout", "messaging.view_optoutevent",
        "messaging.view_servicedrift",
        "numbers.view_numberdrift", "numbers.change_numberdrift",
    ],
    "Account managers": [
        "tenants.view_tenant", "tenants.view_billing", "operations.view_operation", "operations.view_batch",
        "tenants.view_tenantdrift", "numbers.view_phonenumber", "messaging.view_messagingservice",
        "messaging.view_message", "messaging.view_optout", "messaging.view_optoutevent",
        "numbers.view_numberdrift",
    ],
    # Administrators get every permission of the portal's apps and of user management; assigning account
    # managers (tenants.assign_account_manager) and user management are theirs alone.
    "Administrators": ["operations.*", "tenants.*", "numbers.*", "messaging.*", "billing.*", "auth.*", "axes.*"],
}


def roles_sync(apps, *, strict: bool = True) -> None:
    """Create the groups and add their permissions (only adds; safe to run again). Not strict inside
    older migrations, where permissions of later apps do not exist yet (a later migration adds them)."""
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
                    if not strict:
                        continue
                    raise RuntimeError(f"role {role}: permission {name} does not exist")
            group.permissions.add(*perms)


def roles_migrate(apps, schema_editor) -> None:
    """RunPython body for role migrations: permissions first (normally made after all migrations)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    roles_sync(apps, strict=False)
