from django.contrib import admin
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from krm.cases.views import start


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    # Resolved per request: the manifest of hashed static names exists only after collectstatic.
    return HttpResponsePermanentRedirect(static("krm/favicon.svg"))


admin.site.site_header = "krm Administration"
admin.site.site_title = "krm"

urlpatterns = [
    path("", start),
    path("favicon.ico", favicon),
    path("", include("krm.accounts.urls")),
    path("faelle/", include("krm.cases.urls")),
    path("", include("krm.documents.urls")),
    path("", include("krm.letters.urls")),
    path("", include("krm.mail.urls")),
    path("", include("krm.mailbox.urls")),
    path("ablage/", include("krm.ablage.urls")),
    path("aufbewahrung/", include("krm.retention.urls")),
    path("erfassung/", include("krm.intake.urls")),
    path("protokoll/", include("krm.oversight.urls")),
    path("api/v1/", include("krm.api.urls")),
    path("admin/", admin.site.urls),
]
