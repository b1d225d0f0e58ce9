"""API routes (mounted under /api/)."""

from __future__ import annotations

from django.urls import path

from . import api

urlpatterns: list = [
    path("applications/", api.application_list, name="api-applications-list"),
    path("applications/<int:pk>/", api.application_detail, name="api-applications-detail"),
    path("applications/<int:pk>/transition/", api.application_transition, name="api-applications-transition"),
]
