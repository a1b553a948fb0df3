"""The optional classifier layer, on a tiny random BERT built in the test session."""

from __future__ import annotations

import shutil

import pytest

from screening.risk_model import RiskClassifier, flagged, risk_signals, score_sentences
from textmodel import TextModelUnavailable


def test_it_loads_a_classifier_folder_lazily(tiny_model_dir):
    classifier = RiskClassifier(tiny_model_dir)
    assert classifier.available() and not classifier.loaded
    scores = classifier.scores(["i want to die .", "the weather is nice ."])
    assert classifier.loaded and classifier.loads == 1
    assert len(scores) == 2 and all(0.0 <= s <= 1.0 for s in scores)
    assert classifier.status()["risk_label_index"] == 1  # the label named "risk"


def test_it_adds_the_classifier_to_each_sentences_scores(tiny_model_dir):
    classifier = RiskClassifier(tiny_model_dir)
    scored = score_sentences("I feel tired. I want to kill myself.", encoder=None,
                             classifier=classifier, classifier_threshold=0.0)
    assert [s.layers for s in scored] == [("classifier",), ("rules", "classifier")]
    assert all(s.classifier is not None for s in scored)


def test_it_needs_similarity_to_agree_before_a_classifier_hit_counts(tiny_model_dir):
    classifier = RiskClassifier(tiny_model_dir)
    signals = risk_signals("I feel tired. I want to kill myself.", encoder=None,
                           classifier=classifier, classifier_threshold=0.0)
    assert [(s.sentence, s.rule_hit) for s in signals] == [("I want to kill myself.", True)]


def test_it_combines_the_layers_by_the_documented_policy():
    assert flagged(["rules"], classifier_on=True) and flagged(["rules"], classifier_on=False)
    assert flagged(["similarity"], classifier_on=False)
    assert not flagged(["similarity"], classifier_on=True)
    assert not flagged(["classifier"], classifier_on=True)
    assert flagged(["classifier", "similarity"], classifier_on=True)
    assert not flagged([], classifier_on=False)


def test_it_refuses_a_classifier_whose_risk_label_it_cannot_tell(tiny_model_dir, tmp_path):
    from transformers import BertConfig, BertForSequenceClassification

    folder = tmp_path / "three-labels"
    shutil.copytree(tiny_model_dir, folder)
    config = BertConfig.from_pretrained(folder)
    config.num_labels = 3
    config.id2label = {0: "low", 1: "medium", 2: "high"}
    config.label2id = {v: k for k, v in config.id2label.items()}
    BertForSequenceClassification(config).save_pretrained(folder)
    classifier = RiskClassifier(folder)
    with pytest.raises(TextModelUnavailable):
        classifier.load()
    assert not classifier.available() and "name one label 'risk'" in classifier.reason()
    # The rules still answer.
    assert risk_signals("I want to kill myself.", encoder=None, classifier=classifier)


def test_it_reads_the_classifier_settings_from_the_app_config(tiny_model_dir, clean_settings):
    from app import create_app
    from screening import risk_model

    create_app({"TESTING": True, "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "INSTANCE_PATH": str(tiny_model_dir.parent / "instance"),
                "RISK_CLASSIFIER_PATH": str(tiny_model_dir),
                "RISK_CLASSIFIER_THRESHOLD": 0.7, "RISK_SIMILARITY_THRESHOLD": 0.65})
    classifier = risk_model.get_classifier()
    assert classifier is not None and classifier.path == tiny_model_dir
    assert not classifier.loaded
    assert risk_model.settings().classifier_threshold == 0.7
    assert risk_model.settings().similarity_threshold == 0.65
