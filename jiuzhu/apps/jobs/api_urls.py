"""API routes (mounted under /api/)."""

from __future__ import annotations

from django.urls import path

from .api import JobDetailView, JobListView

urlpatterns = [
    path("jobs/", JobListView.as_view(), name="api-job-list"),
    path("jobs/<int:pk>/", JobDetailView.as_view(), name="api-job-detail"),
]
