"""Messaging Services that live in a tenant's subaccount."""

from django.db import models

from owlie_portal.validators import validate_service_sid


class MessagingService(models.Model):
    sid = models.CharField("service SID", max_length=34, unique=True, validators=[validate_service_sid])
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, related_name="messaging_services")
    friendly_name = models.CharField(max_length=64)
    # The tenant's default service: where "add to the target's service" puts a number moved in.
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["friendly_name"]
        constraints = [models.UniqueConstraint(fields=["tenant"], condition=models.Q(is_default=True),
                                               name="one_default_service_per_tenant")]
        permissions = [
            ("send_message", "Can send a test message"),
            ("manage_service", "Can create services and change their numbers"),
        ]

    def __str__(self) -> str:
        return self.friendly_name
