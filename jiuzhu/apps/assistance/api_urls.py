"""API routes (mounted under /api/ by jiuzhu/api/urls.py)."""

from __future__ import annotations

from django.urls import path

from .api import HouseholdProgrammesView, ProgrammesView

urlpatterns = [
    path("assistance/programmes/", ProgrammesView.as_view(), name="api-assistance-programmes"),
    path("assistance/households/<int:pk>/programmes/", HouseholdProgrammesView.as_view(),
         name="api-assistance-household-programmes"),
]
