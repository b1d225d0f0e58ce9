from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/otp/", views.otp_verify, name="otp_verify"),
    path("accounts/otp/enrol/", views.otp_enrol, name="otp_enrol"),
    path("accounts/password/", views.password_change, name="password_change"),
    path("console/users/", views.user_list, name="user_list"),
    path("console/users/<int:pk>/role/", views.user_role, name="user_role"),
    path("console/users/<int:pk>/password/", views.user_password_reset, name="user_password_reset"),
    path("console/users/<int:pk>/active/", views.user_active, name="user_active"),
    path("console/users/<int:pk>/otp-reset/", views.user_otp_reset, name="user_otp_reset"),
    path("console/audit/", views.audit_log, name="audit_log"),
]
