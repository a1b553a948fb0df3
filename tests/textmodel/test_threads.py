"""Concurrent first calls load the model once."""

from __future__ import annotations

import threading

import numpy as np

from textmodel import TextEncoder


def test_it_loads_once_when_threads_embed_at_the_same_time(tiny_model_dir):
    encoder = TextEncoder(tiny_model_dir)
    start = threading.Barrier(8)
    results: dict[int, np.ndarray] = {}
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            start.wait()
            results[n] = encoder.embed([f"i want to sleep {n}", "the weather is nice"])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert encoder.loads == 1
    assert len(results) == 8 and all(r.shape == (2, 16) for r in results.values())
    assert all(np.allclose(r[1], results[0][1], atol=1e-5) for r in results.values())
