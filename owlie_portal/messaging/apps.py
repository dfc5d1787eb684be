from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "owlie_portal.messaging"
    verbose_name = "Messaging"
