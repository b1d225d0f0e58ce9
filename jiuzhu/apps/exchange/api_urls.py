"""API routes (mounted under /api/ by jiuzhu/api/urls.py)."""

from __future__ import annotations

from django.urls import path

from . import api

urlpatterns = [
    path("exchange/outbox/ack/", api.OutboxAckView.as_view(), name="api-exchange-outbox-ack"),
    path("exchange/<str:source>/", api.ExchangeImportView.as_view(), name="api-exchange-import"),
    path("households/<int:pk>/chain/", api.HouseholdChainView.as_view(), name="api-household-chain"),
    path("members/<int:pk>/chain/", api.MemberChainView.as_view(), name="api-member-chain"),
]
