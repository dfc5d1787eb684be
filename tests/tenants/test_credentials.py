"""The gateway's credentials record built from a tenant's stored subaccount credentials."""

from __future__ import annotations

import pytest
from factories import TenantFactory

from owlie_portal.tenants.credentials import tenant_credentials
from owlie_portal.twilio_gateway.errors import TwilioConfigurationError
from owlie_portal.twilio_gateway.records import SubaccountCredentials


def test_a_provisioned_tenant_gives_its_sid_token_and_api_key():
    tenant = TenantFactory.build(auth_token="a" * 32, api_key_sid="SK" + "b" * 32, api_key_secret="c" * 32)

    assert tenant_credentials(tenant) == SubaccountCredentials(
        account_sid=tenant.subaccount_sid, auth_token="a" * 32, api_key_sid="SK" + "b" * 32,
        api_key_secret="c" * 32)


@pytest.mark.parametrize("missing", ["subaccount_sid", "auth_token"])
def test_a_tenant_without_stored_subaccount_credentials_is_a_configuration_error_naming_it(missing):
    tenant = TenantFactory.build(**{"name": "Puffin Pharmacy", "auth_token": "a" * 32, missing: ""})

    with pytest.raises(TwilioConfigurationError, match="Puffin Pharmacy has no stored subaccount credentials"):
        tenant_credentials(tenant)
