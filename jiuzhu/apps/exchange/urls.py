from django.urls import path

from . import views, views_chain

urlpatterns = [
    path("exchange/upload/", views.upload, name="exchange_upload"),
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
