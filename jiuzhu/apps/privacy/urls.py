from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("exports/", views.export_list, name="privacy_exports"),
    path("exports/new/<str:kind>/", views.export_new, name="privacy_export_new"),
    path("exports/<uuid:uid>/", views.export_detail, name="privacy_export"),
    path("exports/<uuid:uid>/decide/", views.export_decide, name="privacy_export_decide"),
    path("exports/<uuid:uid>/download/", views.export_download, name="privacy_export_download"),
]
