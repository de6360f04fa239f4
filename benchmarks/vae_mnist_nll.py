"""Dense VAE (784-200-200-50) on dynamically binarized MNIST: test NLL by importance sampling.

Trains for a wall-clock budget on this machine, then reports the test negative log-likelihood
estimated with K importance samples (Burda et al. 2016; their VAE reference is 86.76 nats after
3280 epochs), the ELBO, and the training time. The test set is binarized once, stochastically,
with a fixed seed (the standard protocol for dynamically binarized MNIST).

    python benchmarks/vae_mnist_nll.py --minutes 30 --importance-samples 5000
    python benchmarks/vae_mnist_nll.py --evaluate-only benchmarks/results/vae_mnist.keras

The model is saved (benchmarks/results/vae_mnist.keras) before the evaluation starts; the
figures go to benchmarks/results/vae_mnist_nll.json.
"""

import argparse
import json
import os
import pathlib
import time

import keras

import kerasgen
from kerasgen.evaluation import likelihood_metrics
from kerasgen.training import TimeLimit

RESULTS = pathlib.Path(__file__).resolve().parent / "results"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--importance-samples", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--max-test-examples", type=int, default=None)
    parser.add_argument("--data-dir", default=os.environ.get("KERASGEN_DATA_DIR"))
    parser.add_argument("--evaluate-only", default=None, metavar="MODEL.keras")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)

    info = kerasgen.data.dataset_info("mnist")
    train = kerasgen.data.load("mnist", "train", data_dir=args.data_dir,
                               batch_size=args.batch_size, drop_remainder=True)
    test_images, _ = kerasgen.data.load_arrays("mnist", "test", data_dir=args.data_dir,
                                               max_examples=args.max_test_examples)
    if args.evaluate_only:
        model = kerasgen.load_model(args.evaluate_only)
        previous = RESULTS / "vae_mnist_training.json"
        training = json.loads(previous.read_text()) if previous.is_file() else {}
    else:
        model = kerasgen.models.VAE(image_shape=info.image_shape, num_levels=info.num_levels,
                                    latent_dim=50, hidden_units=(200, 200),
                                    likelihood="bernoulli")
        model.compile(optimizer=keras.optimizers.Adam(args.learning_rate), jit_compile=True)
        limit = TimeLimit(args.minutes, cosine_decay=True)
        start = time.perf_counter()
        history = model.fit(train, epochs=100_000, callbacks=[limit], verbose=2)
        training = {"epochs": len(history.history["loss"]),
                    "train_minutes": round((time.perf_counter() - start) / 60, 2),
                    "final_train_loss": history.history["loss"][-1]}
        model.save(RESULTS / "vae_mnist.keras")
        (RESULTS / "vae_mnist_training.json").write_text(json.dumps(training, indent=2))

    start = time.perf_counter()
    metrics = likelihood_metrics(model, test_images, num_samples=args.importance_samples,
                                 binarization_seed=0)
    result = {
        "model": "VAE dense 784-200-200-50, Bernoulli, dynamic binarization",
        **training,
        **metrics,
        "eval_seconds": round(time.perf_counter() - start, 1),
        "reference_nats": 86.76,
    }
    (RESULTS / "vae_mnist_nll.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
