from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("monitoring/", views.workbench, name="monitoring_workbench"),
    path("monitoring/overdue/", views.overdue, name="monitoring_overdue"),
    path("monitoring/dashboard/", views.dashboard, name="monitoring_dashboard"),
    path("monitoring/indicators/", views.indicators, name="monitoring_indicators"),
    path("monitoring/runs/", views.runs, name="monitoring_runs"),
    path("monitoring/warnings/<int:pk>/", views.warning_detail, name="monitoring_warning"),
    path("monitoring/warnings/<int:pk>/visit/", views.visit, name="monitoring_visit"),
    path("monitoring/warnings/<int:pk>/visit/draft/", views.visit_autosave, name="monitoring_visit_autosave"),
    path("monitoring/warnings/<int:pk>/attachments/", views.attachment_add, name="monitoring_attachment_add"),
    path("monitoring/warnings/<int:pk>/person/", views.reveal, name="monitoring_reveal"),
    path("monitoring/warnings/<int:pk>/<str:action>/", views.warning_action, name="monitoring_action"),
    path("monitoring/attachments/<int:pk>/", views.attachment_get, name="monitoring_attachment"),
]
