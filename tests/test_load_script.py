"""bench/load.py in its CI size: 50 participants (join, lobby page, WebSocket with pushed fragments;
5 % polling every ~3 s instead, arriving over 3 s) and 3 staff (sign in, approve / check in / confirm results with CSRF) for
8 s on loopback. Asserts that it completes with no failed request and that staff really acted —
never latency (that is the bench's job)."""
import json
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_load_script_ci_size_completes_without_errors(tmp_path):
    out = tmp_path / "load.json"
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("LOAD_")}
    result = subprocess.run([sys.executable, "bench/load.py", "--participants", "50", "--staff", "3", "--duration", "8",
                             "--poll", "3", "--ramp", "3", "--think", "1",
                             "--port", str(_free_port()), "--json", str(out), "--strict"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["errors"] == 0 and report["requests"] > 150
    classes = {}  # per class, both phases (arrival, then steady) together
    for row in report["classes"]:
        total = classes.setdefault(row["class"], {"requests": 0, "errors": 0})
        total["requests"] += row["requests"]
        total["errors"] += row["errors"]
    assert {row["phase"] for row in report["classes"]} == {"arrival", "steady"}
    assert 0 < report["arrival_s"] < 60
    assert report["pollers"] == 2  # 5 % of 50, rounded
    assert classes["lobby_join"]["requests"] == 50 and classes["ws_connect"]["requests"] == 50 - report["pollers"]
    assert report["ws_pushed_fragments"] > 0  # staff actions' roster changes came with their HTML
    assert classes["lobby_fragment"]["requests"] > 0 and classes["admin_action_post"]["requests"] >= 3
    assert classes["ws_open_until_end"]["errors"] == 0
    assert report["staff_actions_done"] >= 3 and not report["processes_died"]
