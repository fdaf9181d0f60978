from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog

from classroom import media, views

PIN = r"(?P<pin>[0-9]{6})"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    # The language switch (POST, CSRF-checked; an unknown code is ignored) and the
    # browser's strings in the page's language (static/js/common.js, `t`).
    path("i18n/setlang/", views.language_set, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["classroom"]), name="javascript-catalog"),
    path("", views.dashboard, name="dashboard"),
    path("host/start/", views.game_start, name="game_start"),
    path("host/start/estimate/", views.game_setup_estimate, name="game_setup_estimate"),
    re_path(rf"^host/{PIN}/$", views.projector, name="projector"),
    re_path(rf"^host/{PIN}/homework/$", views.homework_page, name="homework"),
    re_path(rf"^host/{PIN}/report/$", views.report, name="report"),
    re_path(rf"^host/{PIN}/reteach/$", views.reteach_start, name="reteach"),
    re_path(rf"^host/{PIN}/report\.csv$", views.report_download, name="report_csv"),
    re_path(rf"^host/{PIN}/report\.xlsx$", views.report_download_xlsx, name="report_xlsx"),
    re_path(rf"^host/{PIN}/answer/$", views.answer, name="answer"),
    path("games/<int:game_id>/delete/", views.game_delete, name="game_delete"),
    path("play/", views.play, name="play"),
    re_path(rf"^play/{PIN}/$", views.play, name="play_pin"),
    re_path(rf"^play/{PIN}/practice/$", views.practice_page, name="practice"),
    re_path(rf"^play/{PIN}/practice/api/$", views.practice_api, name="practice_api"),
    path("", include("quizzes.urls")),
    # Questions' pictures (classroom/media.py): 404 unless this server serves /static/.
    re_path(r"^media/(?P<name>.+)$", media.picture, name="media"),
]
