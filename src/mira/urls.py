"""URL configuration of the MIRA portal. The Clio sandbox has its own, in mira.sandbox.urls."""

from django.contrib import admin
from django.urls import include, path

from mira.accounts.views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("mira.accounts.urls")),
    path("destination/", include("mira.destinations.urls")),
    path("oauth/", include("mira.destinations.oauth_urls")),
    path("customer-success/", include("mira.activation.urls")),
    path("time/", include("mira.timeentries.urls")),
    path("api/v1/", include("mira.api.urls")),
    path("admin/", admin.site.urls),
]
