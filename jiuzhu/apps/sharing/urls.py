from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("sharing/", views.catalogue, name="sharing_catalogue"),
    path("sharing/people/", views.people, name="sharing_people"),
    path("sharing/people/export.csv", views.export, name="sharing_people_export"),
    path("sharing/people/<uuid:uid>/", views.person, name="sharing_person"),
    path("sharing/query/", views.query, name="sharing_query"),
]
