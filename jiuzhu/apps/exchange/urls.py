from django.urls import path

from . import api, views

urlpatterns = [
    path("exchange/upload/", views.upload, name="exchange_upload"),
    path("exchange/batches/", views.batch_list, name="exchange_batch_list"),
    path("exchange/batches/<int:pk>/", views.batch_detail, name="exchange_batch_detail"),
    path("exchange/batches/<int:pk>/report/", views.batch_report, name="exchange_batch_report"),
    path("api/exchange/<str:source>/", api.ExchangeImportView.as_view(), name="api-exchange-import"),
]
