from django.contrib.auth import views as auth_views
from django.urls import path

from sanxin.accounts.forms import LoginForm
from sanxin.accounts.views import auth, preferences, users
from sanxin.accounts.views import otp as otp_views

app_name = "accounts"
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth.logout_view, name="logout"),
    path("settings/", preferences.settings_page, name="settings"),
    path("elder-mode/", preferences.elder_mode, name="elder_mode"),
    path("users/", users.users_list, name="users"),
    path("users/new/", users.user_new, name="user_new"),
    path("users/<int:pk>/", users.user_detail, name="user_detail"),
    path("users/<int:pk>/roles/", users.role_assign, name="role_assign"),
    path("users/<int:pk>/active/", users.user_active, name="user_active"),
    path("users/<int:pk>/password/", users.user_password, name="user_password"),
    path("roles/<int:pk>/end/", users.role_end, name="role_end"),
    # two-factor login (docs/two-factor.md)
    path("2fa/enrol/", otp_views.otp_enrol, name="otp_enrol"),
    path("2fa/verify/", otp_views.otp_verify, name="otp_verify"),
    path("2fa/recovery/", otp_views.otp_recovery, name="otp_recovery"),
    path("users/<int:pk>/2fa/", otp_views.otp_status, name="otp_status"),
    path("users/<int:pk>/2fa/reset/", otp_views.otp_reset, name="otp_reset"),
]
