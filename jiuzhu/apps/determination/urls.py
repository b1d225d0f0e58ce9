from django.urls import path, re_path

from . import api, views

urlpatterns = [
    path("households/<int:pk>/determination/", views.household_determination, name="household_determination"),
    path("determination/runs/", views.run_list, name="determination_runs"),
    # The contract says POST /api/determine; accept it with or without the slash
    # (a redirect would drop the POST body).
    re_path(r"^api/determine/?$", api.DetermineView.as_view(), name="api-determine"),
]
