"""API routes (mounted under /api/ by jiuzhu/api/urls.py)."""

from __future__ import annotations

from django.urls import path

from . import api

urlpatterns = [
    path("sharing/people/", api.SharedPeopleView.as_view(), name="api-sharing-people"),
    path("sharing/people/<uuid:uid>/", api.SharedPersonView.as_view(), name="api-sharing-person"),
    path("sharing/query/", api.LowIncomeQueryView.as_view(), name="api-sharing-query"),
]
