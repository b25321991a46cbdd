app_name = "lending"

urlpatterns: list = []
