"""Side-by-side timing shared by the benchmarks: whole `fit` epochs of fixed length, A/B/A/B."""

import statistics
import time


def time_epochs(models, data, steps, repeats):
    """Median milliseconds per step of each model in `models` (a name -> compiled model dict).

    Each model first runs one untimed epoch (tracing, warm-up); then the models take turns,
    `repeats` epochs of `steps` steps each, so slow drift of the machine hits all of them alike.
    """
    for model in models.values():
        model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
    times = {name: [] for name in models}
    for _ in range(repeats):
        for name, model in models.items():
            start = time.perf_counter()
            model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
            times[name].append((time.perf_counter() - start) / steps * 1000)
    return {name: statistics.median(ms) for name, ms in times.items()}
