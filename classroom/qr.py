"""QR codes for the join link, drawn server-side as inline SVG.

Inline SVG needs no image request, no script and no external service, and it scales
crisply on a projector of any resolution.
"""

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(*, url: str, title: str = "QR code to join the game") -> SafeString:
    """Return an `<svg>` element (no XML declaration) encoding `url`.

    The SVG has a viewBox and no fixed size, so CSS decides how big it is drawn.
    """
    code = segno.make(url, error="m", micro=False)
    # segno only writes attributes and path data, and it escapes the title, so the
    # markup is safe to mark as such; the URL itself is encoded in the path data.
    svg = code.svg_inline(
        scale=1,
        border=2,
        dark="#000",
        light="#fff",
        omitsize=True,
        title=title,
        svgclass="qr",
        lineclass=None,
    )
    svg = svg.replace("<svg ", '<svg role="img" data-testid="qr" id="qr" ', 1)
    return mark_safe(svg)
