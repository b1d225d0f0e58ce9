from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("assistance/programmes/", views.programmes, name="assistance_programmes"),
    path("assistance/serve/", views.department_list, name="assistance_department_list"),
    path("assistance/enrolments/<int:pk>/notice/", views.enrolment_notice, name="assistance_enrolment_notice"),
    path("assistance/enrolments/<int:pk>/decline/", views.enrolment_decline, name="assistance_enrolment_decline"),
    path("assistance/households/<int:pk>/temporary/", views.temporary_grant, name="assistance_temporary_grant"),
    path("assistance/matching/", views.matching, name="assistance_matching"),
    path("assistance/payrolls/", views.payroll_list, name="assistance_payrolls"),
    path("assistance/payrolls/totals/", views.payroll_totals, name="assistance_totals"),
    path("assistance/payrolls/<int:pk>/", views.payroll_detail, name="assistance_payroll_detail"),
    path("assistance/payrolls/<int:pk>/approve/", views.payroll_approve, name="assistance_payroll_approve"),
    path("assistance/payrolls/<int:pk>/discard/", views.payroll_discard, name="assistance_payroll_discard"),
    path("assistance/payrolls/<int:pk>/bank-file/", views.payroll_export, name="assistance_payroll_export"),
    path("assistance/payrolls/<int:pk>/return/", views.payroll_return, name="assistance_payroll_return"),
]
