"""Does the image-folder pipeline keep up with training? Images per second of
`kerasgen.data.load("folder", ...)` against what a DCGAN's `fit` consumes, in one process.

    python benchmarks/folder_pipeline.py                       # ../shared/data/emoji, 32x32
    python benchmarks/folder_pipeline.py --data-dir my_pictures --image-size 64

Both are measured through the calls a user makes: the pipeline is the very dataset
`kerasgen train --data folder` feeds to `fit` (decode, composite, crop, resize, batch), iterated
alone for whole passes, once with the in-memory cache filled by a first pass (what training
sees from its second epoch on) and once decoding every file (the first epoch, or a folder too
large to cache); the DCGAN is the `dcgan` preset at the same size, timed over `fit` epochs of
fixed length on batches already in memory. Prints images/s and the ratio (aim: the pipeline
>= 3x what training needs) and writes benchmarks/results/folder_pipeline.json.
"""

import argparse
import json
import os
import pathlib
import tempfile
import time

import numpy as np
import tensorflow as tf

import kerasgen
from kerasgen.models.registry import create_model
from timing import time_epochs

RESULTS = pathlib.Path(__file__).resolve().parent / "results"
DEFAULT_DIR = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "emoji"


def images_per_second(make_dataset, passes):
    """Median images/s over `passes` whole passes of a fresh-iterator dataset."""
    rates = []
    for _ in range(passes):
        start, count = time.perf_counter(), 0
        for images, _ in make_dataset():
            count += int(images.shape[0])
        rates.append(count / (time.perf_counter() - start))
    return float(np.median(rates))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=str(DEFAULT_DIR))
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("KERASGEN_CACHE_DIR", tempfile.mkdtemp())

    options = dict(data_dir=args.data_dir, image_size=args.image_size,
                   batch_size=args.batch_size, seed=0)
    start = time.perf_counter()
    info = kerasgen.data.dataset_info("folder", args.data_dir, image_size=args.image_size)
    scan_seconds = time.perf_counter() - start

    cached = kerasgen.data.load("folder", **options)
    for _ in cached:  # fill the in-memory cache, as a first epoch does
        pass
    cached_rate = images_per_second(lambda: cached, args.passes)
    decoding_rate = images_per_second(lambda: _uncached(args), args.passes)

    model = create_model("dcgan", info)
    model.compile_with_defaults()
    images, labels = kerasgen.data.load_arrays("folder", "train", data_dir=args.data_dir,
                                               image_size=args.image_size)
    batches = tf.data.Dataset.from_tensor_slices(images).repeat().batch(
        args.batch_size, drop_remainder=True).cache()
    ms_per_step = time_epochs({"dcgan": model}, batches, args.steps, args.repeats)["dcgan"]
    training_rate = args.batch_size / (ms_per_step / 1000)

    result = {
        "data_dir": args.data_dir, "image_shape": list(info.image_shape),
        "train_images": int(len(images)), "batch_size": args.batch_size,
        "scan_seconds": round(scan_seconds, 3),
        "pipeline_images_per_second_cached": round(cached_rate, 1),
        "pipeline_images_per_second_decoding": round(decoding_rate, 1),
        "dcgan_ms_per_step": round(ms_per_step, 2),
        "dcgan_images_per_second": round(training_rate, 1),
        "ratio_cached": round(cached_rate / training_rate, 2),
        "ratio_decoding": round(decoding_rate / training_rate, 2),
        "aim": ">= 3",
    }
    for key, value in result.items():
        print(f"{key:40s} {value}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "folder_pipeline.json").write_text(json.dumps(result, indent=2))


def _uncached(args):
    """The same pipeline without the in-memory cache: every image decoded on every pass."""
    from kerasgen.data import image_folder

    scan = image_folder.scan_image_folder(args.data_dir, verbose=False)
    dataset = image_folder.folder_dataset(scan, "train", args.image_size, 3, shuffle=True,
                                          cache=False)
    return dataset.batch(args.batch_size).prefetch(tf.data.AUTOTUNE)


if __name__ == "__main__":
    main()
