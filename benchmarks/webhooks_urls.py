"""The portal's URLs plus the benchmark's baseline: a bare Django view behind the same middleware."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from owlie_portal.urls import urlpatterns as portal_urlpatterns


@csrf_exempt
def bare(request):
    """No signature check, no database: what the same server answers with no work at all."""
    return HttpResponse(status=204)


urlpatterns = [path("bench/bare/", bare), *portal_urlpatterns]
