from django.urls import path

from . import views

urlpatterns = [
    path("policy/parameters/", views.parameter_list, name="parameter_list"),
    path("policy/revisions/", views.revision_list, name="revision_list"),
    path("policy/revisions/<int:pk>/", views.revision_detail, name="revision_detail"),
    path("policy/revisions/<int:pk>/decide/", views.revision_decide, name="revision_decide"),
]
