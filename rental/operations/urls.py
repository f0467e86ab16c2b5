from django.urls import path

from . import views

app_name = "operations"

urlpatterns = [
    path("today/", views.today, name="today"),
    path("today/counts.json", views.today_counts, name="today_counts"),
    path("reports/", views.report_index, name="report_index"),
    path("reports/<slug:key>/", views.report, name="report"),
]
