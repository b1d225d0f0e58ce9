from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("", include("jiuzhu.apps.core.urls")),
    path("", include("jiuzhu.apps.registry.urls")),
    path("", include("jiuzhu.apps.policy.urls")),
    path("", include("jiuzhu.apps.determination.urls")),
    path("", include("jiuzhu.apps.exchange.urls")),
    path("", include("jiuzhu.apps.sharing.urls")),
    path("", include("jiuzhu.apps.monitoring.urls")),
    path("", include("jiuzhu.apps.applications.urls")),
    path("", include("jiuzhu.apps.assistance.urls")),
    path("", include("jiuzhu.apps.privacy.urls")),
    path("", include("jiuzhu.apps.jobs.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", include("jiuzhu.api.urls")),
]
