from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("console/users/", views.user_list, name="user_list"),
    path("console/users/<int:pk>/role/", views.user_role, name="user_role"),
    path("console/audit/", views.audit_log, name="audit_log"),
]
