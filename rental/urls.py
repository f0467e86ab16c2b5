from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from rental.core import converters
from rental.core import views as core_views

converters.register()  # before the apps' URLconfs below are imported

admin.site.site_header = _("Xinsisuo Rental console")
admin.site.site_title = _("Xinsisuo Rental")
admin.site.index_title = _("Operations")

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("rental.accounts.urls")),
    path("catalog/", include("catalog.urls")),
    path("service/", include("service_tickets.urls")),
    path("staff/", include("rental.operations.urls")),
    path("", include("contracts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("console/", admin.site.urls),
    path("api/v1/", include("rental.api.urls")),
]

# Model photos during development; in production the web server serves MEDIA_ROOT.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
