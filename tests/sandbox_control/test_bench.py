"""The scale benchmark runs end to end at a small size; timings are reported, not asserted."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_small_size(tmp_path):
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    # The benchmark measures the embedded SQLite database in its own folder, also when the suite
    # itself runs on PostgreSQL.
    environment.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "sandbox_scale.py"), "--matters", "300", "--contacts", "100",
         "--users", "10", "--requests", "5", "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=120, env=environment,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["matters"] == 300
    assert report["page_requests"] == 5
    for name in ("seed_seconds", "page_median_ms", "page_p95_ms"):
        assert isinstance(report[name], float | int)
        assert report[name] > 0
