"""Validation of files people upload (payment proofs, result evidence).

The extension and the declared content type are not trusted: Pillow must recognise the bytes as an
allowed image format, and the size is bounded.
"""
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_IMAGE_BYTES = 5 * 1024 * 1024
ALLOWED_IMAGE_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}


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
