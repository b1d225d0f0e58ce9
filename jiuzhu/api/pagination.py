from rest_framework.pagination import PageNumberPagination


class ClampedPagination(PageNumberPagination):
    """page_size is client-settable but clamped (RELIABILITY A4)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
