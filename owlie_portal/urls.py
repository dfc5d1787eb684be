from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Owlie Portal"
admin.site.site_title = "Owlie Portal"
admin.site.index_title = "Operations console"
# The lists need the width (they must fit a 1,366 px laptop); the home page and breadcrumbs navigate.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("favicon.ico", lambda request: HttpResponsePermanentRedirect(static("owlie/favicon.svg"))),
    path("admin/", admin.site.urls),
    path("twilio/", include("owlie_portal.messaging.urls")),
]
