"""API routes (mounted under /api/ by jiuzhu/api/urls.py)."""

from __future__ import annotations

from django.urls import path

from . import api

urlpatterns = [
    path("applications/", api.ApplicationListView.as_view(), name="api-applications-list"),
    path("applications/<int:pk>/", api.ApplicationDetailView.as_view(), name="api-applications-detail"),
    path("applications/<int:pk>/transition/", api.ApplicationTransitionView.as_view(),
         name="api-applications-transition"),
]
