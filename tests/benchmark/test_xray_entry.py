"""The reproduce suite's chest X-ray entry, end to end on a small generated image folder.

The Kaggle images are not redistributable, so the committed run records ``xray-cnn`` as
``data missing``. This test runs the entry's own configuration (read from the shipped suite:
the five-block CNN, balanced class weights, the positive class) on generated images laid out
as the Kaggle folder is, so that its binary path is exercised: class weights, F1 of the
positive class, and validation figures.
"""

import json

import numpy as np
import pytest
from PIL import Image

from mnistkit._cli import main
from mnistkit.benchmark import Result, find_suite, load_suite
from mnistkit.benchmark._records import record_path
from mnistkit.utils._cpu import cpu_summary


def _write_images(root, rng):
    # PNEUMONIA images are brighter with a bright blob; NORMAL ones darker. Twice as many
    # PNEUMONIA images as NORMAL ones, as in the real data set, so class weights matter.
    for subset, counts in [
        ("train", {"NORMAL": 40, "PNEUMONIA": 80}),
        ("test", {"NORMAL": 15, "PNEUMONIA": 30}),
    ]:
        for label, count in counts.items():
            folder = root / "chest_xray" / subset / label
            folder.mkdir(parents=True)
            for i in range(count):
                image = rng.normal(70, 25, (40, 36))
                if label == "PNEUMONIA":
                    image[10:30, 8:28] += 90
                image = np.clip(image, 0, 255).astype(np.uint8)
                Image.fromarray(image).save(folder / f"person{i}_{label.lower()}.jpeg")
    return root / "chest_xray"


@pytest.mark.slow
def test_xray_entry_runs_its_binary_path_on_generated_images(tmp_path, capsys):
    entry = next(e for e in load_suite(find_suite("reproduce")).entries if e.id == "xray-cnn")
    params = {
        **entry.params,
        "kerascnn__epochs": 6,
        "kerascnn__batch_size": 16,
        "kerascnn__validation_fraction": 0.2,
    }
    root = _write_images(tmp_path, np.random.default_rng(0))
    inline = ", ".join(f"{key} = {json.dumps(value)}" for key, value in params.items())
    suite = tmp_path / "xray.toml"
    suite.write_text(
        f"""
name = "xray"
[[entries]]
id = "{entry.id}"
model = "{entry.model}"
dataset = "folder"
path = "{root}"
image_size = [32, 32]
split = "train/test"
pos_label = "{entry.options.pos_label}"
params = {{ {inline} }}
reported = {{ test_accuracy = 0.78, f1 = 0.85 }}
"""
    )
    out = tmp_path / "out"
    assert main(["benchmark", "run", str(suite), "--out", str(out), "--no-progress"]) == 0
    result = Result.read(record_path(out, "xray-cnn", 0))
    assert result.status == "ok", result.error
    metrics = result.metrics
    binary = metrics["binary"]
    assert binary["pos_label"] == "PNEUMONIA"
    assert 0 < binary["f1"] <= 1 and binary["f1"] > 0.8
    assert metrics["accuracy"] > 0.8
    assert 0 <= metrics["validation_accuracy"] <= 1
    assert "val_loss" in result.details["history"]
    assert result.details["params"]["kerascnn__class_weight"] == "balanced"
    summary = (out / "report" / "summary.md").read_text()
    assert "xray-cnn" in summary and "f1" in summary
    # The card says what precision the network trained in (the benchmark's pipelines train in
    # float32 unless an entry asks for precision "auto") and on which CPU it ran.
    assert result.details["precision"] == "float32"
    page = (out / "report" / "index.html").read_text()
    assert "The network trained in float32." in page
    assert result.environment["cpu"] == cpu_summary() and f"({cpu_summary()})" in page
