from django.urls import path

from . import views, views_figures

urlpatterns = [
    path("reports/", views.dashboard, name="reports_dashboard"),
    path("reports/statistics/", views.statistics_start, name="reports_statistics_start"),
    path("reports/monthly/", views.monthly, name="reports_monthly"),
    path("reports/coverage/", views_figures.coverage, name="reports_coverage"),
    path("reports/money/", views_figures.money, name="reports_money"),
    path("reports/applications/", views_figures.applications, name="reports_applications"),
    path("reports/warnings/", views_figures.warnings, name="reports_warnings"),
    path("reports/export.xlsx", views.export, name="reports_export"),
    path("reports/scenarios/", views.scenario_list, name="reports_scenarios"),
    path("reports/scenarios/compare/", views.scenario_compare, name="reports_scenario_compare"),
    path("reports/scenarios/<int:pk>/", views.scenario_detail, name="reports_scenario"),
    path("reports/scenarios/<int:pk>/export.xlsx", views.scenario_export, name="reports_scenario_export"),
    path("reports/revision-effects/<int:pk>/", views.revision_effect_run, name="reports_revision_effect"),
]
