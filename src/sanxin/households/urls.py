from django.urls import path

from sanxin.households.views import edit, imports, registry

app_name = "households"  # the root URLconf adds web's pages (households:list, :export, :detail)
urlpatterns = [
    path("new/", edit.household_new, name="new"),
    path("<int:pk>/edit/", edit.household_edit, name="edit"),
    path("<int:pk>/people/new/", edit.person_new, name="person_new"),
    path("people/<int:pk>/edit/", edit.person_edit, name="person_edit"),
    path("people/<int:pk>/move/", edit.person_move, name="person_move"),
    path("people/<int:pk>/reveal-id/", registry.person_reveal_id_view, name="reveal_id"),
    path("import/", imports.roster_import, name="roster_import"),
    path("import/template.xlsx", imports.roster_template, name="roster_template"),
    path("import/jobs/<int:pk>/", imports.roster_job, name="roster_job"),
    path("import/<str:token>/confirm/", imports.roster_confirm, name="roster_confirm"),
]
