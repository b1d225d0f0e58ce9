from django.urls import path

from . import views

urlpatterns = [
    path("supervision/draws/", views.draw_list, name="supervision_draws"),
    path("supervision/draws/<int:pk>/", views.draw_detail, name="supervision_draw"),
    path("supervision/inspections/<int:pk>/step/", views.inspection_step, name="supervision_step"),
    path("public/inspections/<uuid:uid>/", views.public_result, name="supervision_public"),
]
