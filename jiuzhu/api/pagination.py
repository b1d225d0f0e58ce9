from django.conf import settings
from rest_framework.pagination import PageNumberPagination


class ClampedPagination(PageNumberPagination):
    """page_size is client-settable but clamped (RELIABILITY A4) at CONFIG ``JIUZHU_API_PAGE_SIZE_MAX``."""

    page_size = 50
    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:  # type: ignore[override]
        return int(getattr(settings, "JIUZHU_API_PAGE_SIZE_MAX", 100) or 100)
