from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "sanxin.web"
    label = "web"
    verbose_name = "站点"

    def ready(self):
        from sanxin.web.jobs import register_kinds

        register_kinds()
