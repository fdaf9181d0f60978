"""Questions' pictures from the embedded server: `/media/<name>`, when it serves /static/.

The embedded server (one Daphne, `DJANGO_SERVE_STATIC` on) serves the pictures itself;
behind nginx (`DJANGO_SERVE_STATIC=0`) nginx serves MEDIA_ROOT (docs/deploy/nginx.conf)
and this view answers 404, as it does for anything that is not a stored picture:

- only a regular file that, with every link followed, lies inside MEDIA_ROOT (no `..`,
  no absolute path, no backslash, no symlink out);
- only the formats pictures are stored in (quizzes/images.py), with the content type
  that format has, never one guessed from the file, and `X-Content-Type-Options:
  nosniff`, so a browser never reads a file as anything else.

Names are random and a file never changes once written (a new picture gets a new
name), so browsers and phones may keep it for a week without asking again.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from quizzes.images import CONTENT_TYPES

CACHE_CONTROL = "public, max-age=604800, immutable"


def stored_file(name: str) -> Path:
    """The file under MEDIA_ROOT that `name` names, or Http404."""
    parts = name.split("/")
    if (
        not name
        or "\\" in name
        or "\x00" in name
        or any(part in ("", ".", "..") for part in parts)
        or parts[-1].rsplit(".", 1)[-1] not in CONTENT_TYPES
    ):
        raise Http404("No such picture.")
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise Http404("No such picture.")
    return path


@require_safe
def picture(request: HttpRequest, name: str) -> FileResponse:
    if not settings.SERVE_STATIC:
        raise Http404("Pictures are served by the web server in front of this one.")
    path = stored_file(name)
    response = FileResponse(path.open("rb"), content_type=CONTENT_TYPES[path.suffix.lstrip(".")])
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = CACHE_CONTROL
    # Another site may not show the class's pictures (nor test whether one exists).
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
