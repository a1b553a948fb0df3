"""The packaged encoder, loaded offline once per session (see conftest.encoder)."""

from __future__ import annotations

import os

import numpy as np


def test_it_loads_the_packaged_model_offline(encoder):
    status = encoder.status()
    assert status.mode == "model" and status.loaded and status.source == "packaged"
    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "1"
    assert encoder.loads == 1


def test_it_gives_384_dimensional_unit_vectors(encoder):
    vectors = encoder.embed(["I slept badly.", "Jeg sov dårligt.", ""])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_it_scores_similar_sentences_higher_than_unrelated_ones(encoder):
    close = encoder.similarity("I feel low and tired every day.", "I am exhausted and sad.")
    far = encoder.similarity("I feel low and tired every day.", "The train leaves at nine.")
    assert close > far + 0.2


def test_it_compares_lists_as_a_matrix(encoder):
    scores = encoder.similarity(["a cat", "a dog"], ["a kitten", "a puppy", "a car"])
    assert scores.shape == (2, 3)
    assert scores[0].argmax() == 0 and scores[1].argmax() == 1


def test_it_serves_repeated_texts_from_the_cache(encoder):
    text = "A sentence for the cache test."
    first = encoder.embed(text)[0]
    cached = encoder.status().cached_texts
    again = encoder.embed([text, text])
    assert encoder.status().cached_texts == cached
    assert np.array_equal(again[0], first) and np.array_equal(again[1], first)


def test_it_returns_an_empty_array_for_no_texts(encoder):
    assert encoder.embed([]).shape == (0, 384)


def test_it_reads_the_model_cards_languages_without_loading():
    from textmodel import TextEncoder

    fresh = TextEncoder()
    if fresh.resolve_path()[0] is None:
        return
    assert fresh.languages() == frozenset({"en"}) and not fresh.loaded
