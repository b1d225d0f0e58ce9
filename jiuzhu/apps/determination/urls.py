from django.urls import path

from . import api, views

urlpatterns = [
    path("households/<int:pk>/determination/", views.household_determination, name="household_determination"),
    path("determination/runs/", views.run_list, name="determination_runs"),
    path("api/determine/", api.DetermineView.as_view(), name="api-determine"),
]
