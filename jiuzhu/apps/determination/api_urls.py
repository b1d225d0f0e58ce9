"""API routes (mounted under /api/ by jiuzhu/api/urls.py)."""

from __future__ import annotations

from django.urls import path, re_path

from . import api

urlpatterns = [
    # The contract says POST /api/determine; accept it with or without the slash
    # (a redirect would drop the POST body).
    re_path(r"^determine/?$", api.DetermineView.as_view(), name="api-determine"),
    path("households/<int:pk>/determination/", api.HouseholdDeterminationView.as_view(),
         name="api-household-determination"),
]
