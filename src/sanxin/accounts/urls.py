from django.contrib.auth import views as auth_views
from django.urls import path

from sanxin.accounts import user_views, views
from sanxin.accounts.forms import LoginForm

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
    path("logout/", views.logout_view, name="logout"),
    path("users/", user_views.users_list, name="users"),
    path("users/new/", user_views.user_new, name="user_new"),
    path("users/<int:pk>/", user_views.user_detail, name="user_detail"),
    path("users/<int:pk>/roles/", user_views.role_assign, name="role_assign"),
    path("users/<int:pk>/active/", user_views.user_active, name="user_active"),
    path("users/<int:pk>/password/", user_views.user_password, name="user_password"),
    path("roles/<int:pk>/end/", user_views.role_end, name="role_end"),
]
