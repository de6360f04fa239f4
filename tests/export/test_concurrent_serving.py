"""An exported SavedModel called from 16 threads at once gives what serial calls give.

TF Serving runs one loaded SavedModel for many requests in parallel: every signature must be a
pure function of its inputs (the seeded `sample` included), with no state shared between
calls. Each model below is trained a step, exported with `export_serving`, loaded with
`tf.saved_model.load`, and every signature is called serially and then from 16 threads, each
thread making all the calls (of every signature, with different inputs and seeds) in its own
order, started together.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import tensorflow as tf

from kerasgen import data
from kerasgen.export import example_inputs, export_serving
from kerasgen.models import GAN, RBM, VAE, PixelCNN

pytestmark = pytest.mark.slow  # README: what `-m "not slow"` leaves out

THREADS = 16
CALLS_PER_SIGNATURE = 8  # different inputs and seeds; each thread makes every call

MODELS = {
    "vae": lambda: VAE(latent_dim=2, hidden_units=(16,)),
    "pixelcnn": lambda: PixelCNN(filters=8, num_layers=1, first_kernel_size=3),
    "gan": lambda: GAN(latent_dim=4, hidden_units=(16,)),
    "rbm": lambda: RBM(hidden_units=8, persistent=True, num_chains=8),  # Gibbs chains
}


@pytest.fixture(scope="module", params=sorted(MODELS))
def served(request, tmp_path_factory):
    """``(model, loaded SavedModel)`` of a model trained for two steps."""
    model = MODELS[request.param]()
    images, _ = data.load_arrays("digits", max_examples=64)
    model.compile_with_defaults()
    model.fit(images, batch_size=32, epochs=1, verbose=0)
    path = export_serving(model, tmp_path_factory.mktemp("serving"), name=request.param,
                          warmup=False)
    return model, tf.saved_model.load(str(path))


def _requests(model):
    """``[(signature, inputs)]``: every endpoint with `CALLS_PER_SIGNATURE` inputs of 1 to 4
    examples, drawn from different seeds (and given those seeds where it takes one)."""
    requests = []
    for endpoint in model.serving_endpoints():
        for k in range(CALLS_PER_SIGNATURE):
            inputs = example_inputs(endpoint, model, batch_size=1 + k % 4, seed=k)
            if "seed" in inputs:
                inputs["seed"] = np.int32(k)
            requests.append((endpoint.name, inputs))
    return requests


def _call(loaded, request):
    signature, inputs = request
    outputs = loaded.signatures[signature](**{k: tf.constant(v) for k, v in inputs.items()})
    return {key: value.numpy() for key, value in outputs.items()}


def test_sixteen_threads_give_the_serial_results(served):
    model, loaded = served
    requests = _requests(model)
    serial = [_call(loaded, request) for request in requests]
    names = {name for name, _ in requests}
    assert "sample" in names and names & {"log_prob", "encode", "discriminate", "free_energy"}
    # Seeds matter (seeds 0 and 4 draw one image each), so equal samples are no accident.
    samples = [out["images"] for (name, _), out in zip(requests, serial) if name == "sample"]
    assert not np.array_equal(samples[0], samples[4])

    start = threading.Barrier(THREADS)

    def worker(thread):
        order = np.random.default_rng(thread).permutation(len(requests))
        start.wait()  # all threads call at once
        return [(index, _call(loaded, requests[index])) for index in order]

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(worker, range(THREADS)))

    assert sum(len(r) for r in results) == THREADS * len(requests)
    for thread_results in results:
        for index, outputs in thread_results:
            name = requests[index][0]
            assert outputs.keys() == serial[index].keys(), name
            for key, value in outputs.items():
                np.testing.assert_allclose(value, serial[index][key], rtol=0, atol=1e-6,
                                           err_msg=f"{name}/{key} request {index}")
