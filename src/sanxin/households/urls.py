from django.urls import path

from sanxin.households import edit_views, import_views, views

app_name = "households"  # the root URLconf adds web's household page (households:detail)
urlpatterns = [
    path("", views.household_list, name="list"),
    path("new/", edit_views.household_new, name="new"),
    path("<int:pk>/edit/", edit_views.household_edit, name="edit"),
    path("<int:pk>/people/new/", edit_views.person_new, name="person_new"),
    path("people/<int:pk>/edit/", edit_views.person_edit, name="person_edit"),
    path("people/<int:pk>/move/", edit_views.person_move, name="person_move"),
    path("people/<int:pk>/reveal-id/", views.person_reveal_id_view, name="reveal_id"),
    path("import/", import_views.roster_import, name="roster_import"),
    path("import/template.xlsx", import_views.roster_template, name="roster_template"),
    path("import/<str:token>/confirm/", import_views.roster_confirm, name="roster_confirm"),
]
