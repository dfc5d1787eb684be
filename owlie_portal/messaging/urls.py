"""Twilio's webhooks, mounted under /twilio/ (their public URLs: TWILIO_WEBHOOK_BASE_URL + these paths)."""

from django.urls import path

from . import views

urlpatterns = [
    path("inbound/", views.inbound, name="twilio-inbound"),
    path("status/", views.status, name="twilio-status"),
]
