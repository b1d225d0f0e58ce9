"""API routes (mounted under /api/ by jiuzhu/api/urls.py)."""

from __future__ import annotations

from django.urls import path

from . import api

urlpatterns = [
    path("households/", api.HouseholdListView.as_view(), name="api-household-list"),
    path("households/search/", api.HouseholdSearchView.as_view(), name="api-household-search"),
    path("households/<int:pk>/", api.HouseholdDetailView.as_view(), name="api-household-detail"),
    path("members/", api.MemberListView.as_view(), name="api-member-list"),
    path("members/<int:pk>/", api.MemberDetailView.as_view(), name="api-member-detail"),
]
