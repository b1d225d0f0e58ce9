from django.urls import path

from . import views

urlpatterns = [
    path("households/<int:pk>/determination/", views.household_determination, name="household_determination"),
    path("determination/runs/", views.run_list, name="determination_runs"),
]
