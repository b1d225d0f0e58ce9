from django.urls import path

from . import views

urlpatterns = [
    path("households/", views.household_list, name="household_list"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/export.csv", views.household_export, name="household_export"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/history/", views.household_history, name="household_history"),
    path("households/<int:pk>/members/new/", views.member_create, name="member_create"),
    path("households/<int:pk>/<str:kind>/new/", views.item_create, name="item_create"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/unmask/", views.member_unmask, name="member_unmask"),
    path("items/<str:kind>/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<str:kind>/<int:pk>/delete/", views.item_delete, name="item_delete"),
]
