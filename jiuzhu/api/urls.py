from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from jiuzhu.apps.registry.api import HouseholdViewSet, MemberViewSet

router = SimpleRouter()
router.register("households", HouseholdViewSet, basename="api-household")
router.register("members", MemberViewSet, basename="api-member")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    *router.urls,
    path("", include("jiuzhu.apps.sharing.api_urls")),
    path("", include("jiuzhu.apps.monitoring.api_urls")),
    path("", include("jiuzhu.apps.applications.api_urls")),
    path("", include("jiuzhu.apps.assistance.api_urls")),
    path("", include("jiuzhu.apps.jobs.api_urls")),
]
