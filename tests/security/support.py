"""Helpers for the security suite: response bodies (also zipped exports) and a write detector."""
import io
import zipfile

from django.apps import apps
from django.test import Client


def body_text(response) -> str:
    """The text a person (or a spreadsheet) would get: streamed, and unzipped for xlsx downloads."""
    raw = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    if raw[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                return "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
        except zipfile.BadZipFile:
            pass
    return raw.decode("utf-8", "replace")


def snapshot() -> dict:
    """Row counts of every table (history and audit included): a refused request changes none."""
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()
            if m._meta.app_label in ("tournaments", "auth")}


def diff(before: dict, after: dict) -> dict:
    return {k: (before[k], after[k]) for k in before if before[k] != after[k]}


# A form payload eager enough that most action forms would accept it: if a refused route were in
# fact open, this POST would change something and the snapshot would show it.
EAGER_POST = {"post": "yes", "confirm": "yes", "reason": "security suite", "note": "security suite",
              "resolution": "security suite", "score_a": "2", "score_b": "0", "method": "bkash",
              "reference": "SEC-1", "amount": "1", "new_time": "2030-01-01 10:00", "name": "Clone",
              "slug": "clone-sec", "shift_days": "7", "team_split": "equal", "forfeiting_registration_id": "1",
              "_selected_action": "1", "action": "delete_selected"}


def client_for(user) -> Client:
    """A test client signed in as ``user``."""
    client = Client()
    client.force_login(user)
    return client
