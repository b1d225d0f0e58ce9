"""The API under /api/: the schema, its documentation page, and every app's ``api_urls``.

One way to mount (docs/decisions/0013-one-api-style.md): each app declares its endpoints as
``APIView`` classes routed with ``path()`` in its own ``api_urls.py``; this module includes
them, and nothing else routes a URL under /api/.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its script as a file: no inline script (Content Security Policy).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("jiuzhu.apps.registry.api_urls")),
    path("", include("jiuzhu.apps.determination.api_urls")),
    path("", include("jiuzhu.apps.exchange.api_urls")),
    path("", include("jiuzhu.apps.sharing.api_urls")),
    path("", include("jiuzhu.apps.applications.api_urls")),
    path("", include("jiuzhu.apps.assistance.api_urls")),
    path("", include("jiuzhu.apps.jobs.api_urls")),
]
