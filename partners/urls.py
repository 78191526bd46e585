from django.contrib.auth import views as auth_views
from django.urls import path

from partners import views

app_name = "partners"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("join/", views.join, name="join"),
    path("join/thanks/", views.join_thanks, name="join_thanks"),
    path("sign-in/", views.SignInView.as_view(), name="sign_in"),
    path("sign-out/", views.SignOutView.as_view(), name="sign_out"),
    path("password/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="partners/password_reset_sent.html"),
        name="password_reset_sent",
    ),
    path("password/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set_password"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
    path("groups/<int:pk>/checks/", views.group_checks, name="group_checks"),
    path("groups/<int:pk>/still-accurate/", views.still_accurate, name="still_accurate"),
    path("groups/<int:pk>/archive/", views.archive, name="archive"),
    path("uploads/<int:pk>/", views.upload_status, name="upload_status"),
    path("template.csv", views.upload_template, name="upload_template"),
    path("<slug:organization>/groups/new/", views.group_add, name="group_add"),
    path("<slug:organization>/upload/", views.upload, name="upload"),
    path("<slug:organization>/team/", views.team, name="team"),
    path(
        "<slug:organization>/team/requests/<int:pk>/",
        views.team_request,
        name="team_request",
    ),
]
