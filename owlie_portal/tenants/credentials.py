"""The gateway's credentials record for a tenant's subaccount, built from what the portal stores."""

from __future__ import annotations

from owlie_portal.twilio_gateway.errors import TwilioConfigurationError
from owlie_portal.twilio_gateway.records import SubaccountCredentials

from .models import Tenant


def tenant_credentials(tenant: Tenant) -> SubaccountCredentials:
    """The tenant's stored subaccount credentials; TwilioConfigurationError when there are none yet."""
    if not tenant.subaccount_sid or not tenant.auth_token:
        raise TwilioConfigurationError(
            f"Tenant {tenant} has no stored subaccount credentials yet (it may still be provisioning).")
    return SubaccountCredentials(account_sid=tenant.subaccount_sid, auth_token=tenant.auth_token,
                                 api_key_sid=tenant.api_key_sid, api_key_secret=tenant.api_key_secret)
