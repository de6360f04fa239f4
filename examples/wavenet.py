"""WaveNet on the Free Spoken Digit Dataset: a digit-conditioned model trained within a CPU
budget, exact test nats per sample, one generated WAV per digit, a primed continuation, and
export (TF Serving; a TFLite streaming synthesis checked against Keras).

    python examples/wavenet.py --data-dir ../shared/data --minutes 20
    python examples/wavenet.py --data-dir ../shared/data --quick        # seconds (the tests)

Everything here is public kerasgen API; outputs go to saved_models/examples/wavenet/.
"""

import argparse
import json
import os
import pathlib
import time

import keras
import numpy as np

import kerasgen
from kerasgen.data import audio
from kerasgen.evaluation import recording_nats_per_sample
from kerasgen.training import NaNGuard, TimeLimit

TARGET_LENGTH = 1024  # samples scored per training window, after the receptive field


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=os.environ.get("KERASGEN_DATA_DIR"))
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--minutes", type=float, default=None,
                        help="wall-clock training budget (epochs then cap it)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default="saved_models/examples/wavenet")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    quick = args.quick
    epochs = args.epochs or (1 if quick else 1000 if args.minutes else 20)

    # The official split: recordings 0-4 of every digit and speaker are the test set. A
    # tenth of the training recordings (a seeded draw) is held out for early stopping.
    train = audio.load_spoken_digit_clips("train", args.data_dir)
    test = audio.load_spoken_digit_clips("test", args.data_dir)
    order = np.random.default_rng(0).permutation(len(train.clips))
    if quick:
        order = order[:60]
    held_out, fitted = order[: len(order) // 10], order[len(order) // 10:]
    test_index = np.arange(len(test.clips))[:: 30 if quick else 1]

    model = kerasgen.models.WaveNet(
        sample_rate=train.sample_rate, num_classes=10,
        residual_channels=8 if quick else 32, skip_channels=8 if quick else 64,
        layers_per_stack=3 if quick else 8, stacks=1 if quick else 2)
    window = model.receptive_field + (64 if quick else TARGET_LENGTH)

    def windows(index, shuffle):
        return audio.audio_windows([train.clips[i] for i in index], window,
                                   labels=train.digits[index], pad=True, batch_size=16,
                                   shuffle=shuffle, seed=0)

    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    stop = keras.callbacks.EarlyStopping("val_nats_per_sample", patience=3, mode="min",
                                         restore_best_weights=True)
    budget = [TimeLimit(args.minutes)] if args.minutes else []
    start, cpu = time.perf_counter(), time.process_time()
    history = model.fit(windows(fitted, True), validation_data=windows(held_out, False),
                        epochs=epochs, verbose=0, callbacks=[NaNGuard(), stop, *budget])
    train_minutes = (time.perf_counter() - start) / 60
    cpu_minutes = (time.process_time() - cpu) / 60

    # Exact likelihood of whole test recordings, each scored from silence.
    report = recording_nats_per_sample(model, [test.clips[i] for i in test_index],
                                       test.digits[test_index])
    report.update(epochs=len(history.history["loss"]), train_minutes=round(train_minutes, 2),
                  cpu_minutes=round(cpu_minutes, 2),
                  best_validation_nats_per_sample=min(history.history["val_nats_per_sample"]),
                  receptive_field=model.receptive_field)
    print(f"test nats/sample {report['nats_per_sample']:.4f} "
          f"({report['bits_per_sample']:.3f} bits) over {report['num_recordings']} recordings, "
          f"{report['epochs']} epochs, {report['cpu_minutes']} CPU-minutes")

    # One second of audio per digit (the cached generator), and a primed continuation: the
    # first quarter second of a test recording, then the model's own samples.
    length = 800 if quick else model.sample_rate
    levels = model.sample(10, length, seed=0, labels=np.arange(10))
    for digit, waveform in enumerate(model.to_audio(levels).numpy()):
        audio.write_wav(out / f"digit_{digit}.wav", waveform, model.sample_rate)
    given = audio.encode_audio(test.clips[0][: length // 4], model.encoding)
    continued = model.sample(1, length, seed=1, labels=test.digits[:1],
                             prime=np.asarray(given)[None])
    audio.write_wav(out / f"primed_digit_{test.digits[0]}.wav",
                    model.to_audio(continued).numpy()[0], model.sample_rate)

    # Export: TF Serving (sample, log_prob, step, block) and TFLite, whose streaming loop
    # (blocks of 256 samples per call, as an app would run it) gives Keras's audio exactly.
    print("SavedModel:", kerasgen.export.export_serving(model, out, name="wavenet_digits"))
    path, errors = kerasgen.export.export_tflite(model, out / "wavenet_digits.tflite")
    print("TFLite max abs error per signature:", errors)
    noise = model.generation_noise(1, 400, seed=2).numpy()
    lite = kerasgen.export.synthesize(path, model.num_levels, 400, uniforms=noise, labels=[3])
    same = bool(np.array_equal(lite, model.sample(1, 400, seed=2, labels=[3]).numpy()))
    print("TFLite streaming synthesis equals Keras:", same)
    report["tflite_stream_equals_keras"] = same
    (out / "figures.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
