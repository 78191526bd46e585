from django.urls import path

from directory import views

app_name = "directory"

urlpatterns = [
    path("", views.home, name="home"),
    path("groups/", views.group_list, name="group_list"),
    path("groups/<slug:slug>/", views.group_detail, name="group_detail"),
    path("groups/<slug:slug>/report/", views.report_problem, name="report_problem"),
    path("groups/<slug:slug>/calendar.ics", views.group_calendar, name="group_calendar"),
    path("favicon.ico", views.icon, {"filename": "favicon.ico"}, name="favicon"),
    path(
        "apple-touch-icon.png",
        views.icon,
        {"filename": "apple-touch-icon.png"},
        name="apple_touch_icon",
    ),
    path(
        "apple-touch-icon-precomposed.png",
        views.icon,
        {"filename": "apple-touch-icon.png"},
        name="apple_touch_icon_precomposed",
    ),
]
