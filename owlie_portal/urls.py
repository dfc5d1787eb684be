from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "Owlie Portal"
admin.site.site_title = "Owlie Portal"
admin.site.index_title = "Operations console"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
]
