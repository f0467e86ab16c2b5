"""The project's URLs plus the service app's, for tests run before the lead adds the include."""

from django.urls import include, path

from rental.urls import urlpatterns as project

urlpatterns = [path("service/", include("service_tickets.urls")), *project]
