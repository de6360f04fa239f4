"""The example scripts run as written (in their reduced --quick mode)."""

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

EXAMPLES = sorted((REPO_ROOT / "examples").glob("*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(script, tmp_path, request):
    env = {**os.environ, "KERASGEN_CACHE_DIR": str(tmp_path / "cache")}
    if script.stem in ("wavenet", "own_images", "tables"):  # spoken digits, emoji, Adult
        env["KERASGEN_DATA_DIR"] = str(request.getfixturevalue("data_dir"))
    result = subprocess.run([sys.executable, str(script), "--quick", "--out", str(tmp_path)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    written = {"wavenet": "**/*.wav", "tables": "**/*.csv"}.get(script.stem, "**/*.png")
    assert list(tmp_path.glob(written)), f"the example wrote no {written[-3:]} file"
    if script.stem == "wavenet":
        assert "TFLite streaming synthesis equals Keras: True" in result.stdout
