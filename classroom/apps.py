from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ClassroomConfig(AppConfig):
    name = "classroom"
    verbose_name = "Live games"

    def ready(self) -> None:
        from classroom.accounts import sync_teachers_group

        # After migrate has created the content permissions (classroom comes after
        # quizzes in INSTALLED_APPS, and auth's own handler runs per app first).
        post_migrate.connect(sync_teachers_group, sender=self, dispatch_uid="teachers_group")
