from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("applications/", views.application_list, name="applications_list"),
    path("applications/new/", views.application_create, name="applications_create"),
    path("applications/for-household/<int:pk>/", views.application_create_for, name="applications_create_for"),
    path("applications/<int:pk>/", views.application_detail, name="applications_detail"),
    path("applications/<int:pk>/step/<str:action>/", views.application_step, name="applications_step"),
    path("applications/<int:pk>/letter.pdf", views.application_letter, name="applications_letter"),
    path("applications/<int:pk>/notice/", views.application_notice_print, name="applications_notice_print"),
    path("applications/<int:pk>/appeal/", views.application_appeal, name="applications_appeal"),
    path("applications/<int:pk>/objection/", views.application_objection, name="applications_objection"),
    path("applications/appeals/<int:pk>/conclude/", views.appeal_conclude, name="applications_appeal_conclude"),
    path("applications/intakes/", views.intake_list, name="applications_intakes"),
    path("applications/intakes/<int:pk>/", views.intake_detail, name="applications_intake"),
    path("applications/relatives/", views.relative_list, name="applications_relatives"),
    path("applications/reviews/", views.review_list, name="applications_reviews"),
    path("applications/reviews/<int:pk>/done/", views.review_done, name="applications_review_done"),
    # Public, no login: the resident's form, its region chooser (docs/applications.md), the status
    # check, and the village notice boards (公示).
    path("apply/", views.public_apply, name="applications_public_apply"),
    path("apply/regions/", views.public_regions, name="applications_public_regions"),
    path("apply/regions/search/", views.public_regions_search, name="applications_public_regions_search"),
    path("apply/regions/<str:code>/", views.public_regions, name="applications_public_region"),
    path("apply/status/", views.public_status, name="applications_public_status"),
    path("gongshi/", views.public_notice_index, name="applications_public_notice_index"),
    path("gongshi/<str:village>/", views.public_notice, name="applications_public_notice"),
]
