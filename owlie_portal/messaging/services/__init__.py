"""Messaging services: the only code that changes services, messages and the opt-out ledger.
`management` (services and their numbers), `sync`, `sending`, `webhooks` (what the views record), `optouts`."""

from .management import (
    operation_run_add_number,
    operation_run_remove_number,
    operation_run_service_create,
    service_add_number,
    service_add_numbers,
    service_create,
    service_remove_number,
    service_set_default,
)
from .optouts import keyword_action, optout_record, optouts_import
from .sending import message_send, operation_run_message_send, recipient_normalize, webhook_url
from .sync import operation_run_services_sync, services_sync
from .webhooks import inbound_receive, status_callback_receive

__all__ = [
    "inbound_receive", "keyword_action", "message_send", "operation_run_add_number", "operation_run_message_send",
    "operation_run_remove_number", "operation_run_service_create", "operation_run_services_sync", "optout_record",
    "optouts_import", "recipient_normalize", "service_add_number", "service_add_numbers", "service_create",
    "service_remove_number", "service_set_default", "services_sync", "status_callback_receive", "webhook_url",
]
