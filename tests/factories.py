import factory

from owlie_portal.tenants.models import Tenant


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Faker("company")
    external_ref = factory.Sequence(lambda n: f"CUST-{n:05d}")
    status = Tenant.Status.ACTIVE
    subaccount_sid = factory.Sequence(lambda n: f"AC{n:032x}")
