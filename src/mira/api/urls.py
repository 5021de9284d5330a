from django.urls import path

from mira.api.views import api

urlpatterns = [path("", api.urls)]
