from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = "Support group directory"

    def ready(self):
        from directory import checks  # noqa: F401  (registers the system checks)
