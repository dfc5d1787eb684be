from django.apps import AppConfig
from django.urls import reverse


def _batch_numbers_url(batch) -> str:
    return f"{reverse('admin:numbers_phonenumber_changelist')}?messaging_service__id__exact={batch.params.get('service_id', '')}"


class MessagingConfig(AppConfig):
    name = "owlie_portal.messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        from owlie_portal.operations.registry import register_kind

        from .kinds import Kind

        manage = "messaging.manage_service"
        register_kind(Kind.SERVICE_CREATE, task="messaging.create_service", label=Kind.SERVICE_CREATE.label,
                      retry_permission=manage)
        register_kind(Kind.SERVICE_ADD_NUMBER, task="messaging.add_number", label=Kind.SERVICE_ADD_NUMBER.label,
                      retry_permission=manage)
        register_kind(Kind.SERVICE_REMOVE_NUMBER, task="messaging.remove_number",
                      label=Kind.SERVICE_REMOVE_NUMBER.label, retry_permission=manage)
        register_kind(Kind.SERVICES_SYNC, task="messaging.sync_services", label=Kind.SERVICES_SYNC.label,
                      retry_permission=manage)
        register_kind(Kind.MESSAGE_SEND, task="messaging.send_message", label=Kind.MESSAGE_SEND.label,
                      retry_permission="messaging.send_message")
