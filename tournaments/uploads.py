"""Validation of files people upload (payment proofs, result evidence).

The extension and the declared content type are not trusted: Pillow must recognise the bytes as an
allowed image format, and the size is bounded. A file that is also HTML/SVG/script (a "polyglot":
a valid GIF header followed by ``<script>``) is refused, and an accepted file is stored under a random
name with the extension of the format Pillow found, never the uploader's name: a PNG called
``proof.html`` must not be served back as a web page (security suite).
"""
import re
import secrets
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_IMAGE_BYTES = 5 * 1024 * 1024
ALLOWED_IMAGE_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}
EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}
# Markup a browser would run if it ever sniffed the file as HTML/SVG. Every token is ≥5 bytes, so the
# chance that compressed image data contains one by accident is ~1e-4 for a 5 MB file.
ACTIVE_CONTENT = re.compile(rb"<script|<html|<svg[\s>]|<iframe|<!doctype|javascript:|onerror\s*=|onload\s*=",
                            re.IGNORECASE)


def validate_image_upload(upload) -> None:
    size = getattr(upload, "size", None)
    if size is None or size == 0:
        raise ValidationError(_("The file is empty."))
    if size > MAX_IMAGE_BYTES:
        raise ValidationError(_("The image is %(mb).1f MB; the limit is 5 MB.") % {"mb": size / 1024 / 1024})
    position = upload.tell() if hasattr(upload, "tell") else 0
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(_("The file is not a PNG, JPEG, WebP or GIF image."))
    finally:
        upload.seek(position)
    if image_format not in ALLOWED_IMAGE_FORMATS:
        raise ValidationError(_("%(f)s images are not accepted; use PNG, JPEG, WebP or GIF.") % {"f": image_format})
    if _has_active_content(upload):
        raise ValidationError(_("The image also contains web-page code (HTML or script); upload a plain screenshot."))
    upload.name = f"{secrets.token_hex(12)}.{EXTENSIONS[image_format]}"


def _has_active_content(upload) -> bool:
    position = upload.tell() if hasattr(upload, "tell") else 0
    try:
        upload.seek(0)
        tail = b""
        for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
            if ACTIVE_CONTENT.search(tail + chunk):
                return True
            tail = chunk[-64:]
        return False
    finally:
        upload.seek(position)
