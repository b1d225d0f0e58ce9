from django.urls import path

from . import views, views_chain, views_upload

urlpatterns = [
    path("exchange/upload/", views_upload.upload, name="exchange_upload"),
    path("exchange/upload/<uuid:uid>/", views_upload.upload_preview, name="exchange_upload_preview"),
    path("exchange/mappings/", views_upload.mapping_list, name="exchange_mapping_list"),
    path("exchange/mappings/<str:source>/", views_upload.mapping_edit, name="exchange_mapping_edit"),
    path("exchange/batches/", views.batch_list, name="exchange_batch_list"),
    path("exchange/conflicts/", views_chain.conflict_list, name="exchange_conflict_list"),
    path("exchange/conflicts/<int:pk>/decide/", views_chain.conflict_decide_view, name="exchange_conflict_decide"),
    path("members/<int:pk>/chain/", views_chain.member_chain, name="member_chain"),
    path("households/<int:pk>/chain.csv", views_chain.household_chain_export, name="household_chain_export"),
    path("exchange/batches/<int:pk>/", views.batch_detail, name="exchange_batch_detail"),
    path("exchange/batches/<int:pk>/report/", views.batch_report, name="exchange_batch_report"),
    path("exchange/sources/", views.sources, name="exchange_sources"),
    path("exchange/outbox/", views.outbox, name="exchange_outbox"),
    path("exchange/outbox/<int:pk>/retry/", views.outbox_retry, name="exchange_outbox_retry"),
]
