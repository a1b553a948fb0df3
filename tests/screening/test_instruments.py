"""Shipped instrument files load, are complete in both languages, and broken ones fail loudly."""

from __future__ import annotations

import dataclasses
import re

import pytest
import yaml

from screening.instruments import (
    INSTRUMENT_IDS,
    InstrumentError,
    LocalizedText,
    instrument_path,
    load_instrument,
    load_instruments,
)
from tests.helpers import SHIPPED_CONTENT as CONTENT

# Codes from the clinical reference (docs: shared/reference/clinical.md).
PHQ9_ITEM_LOINC = ("44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5",
                   "44253-3", "44260-8")
GAD7_ITEM_LOINC = ("69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7")
DANISH_FREQUENCY = ("Slet ikke", "Flere dage", "Mere end halvdelen af dagene", "Næsten hver dag")


def localized_texts(value):
    """Every LocalizedText reachable from a dataclass, tuple or mapping."""
    if isinstance(value, LocalizedText):
        yield value
    elif dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            yield from localized_texts(getattr(value, field.name))
    elif isinstance(value, tuple):
        for element in value:
            yield from localized_texts(element)


@pytest.mark.parametrize("instrument_id", INSTRUMENT_IDS)
def test_it_loads_every_shipped_instrument(instrument_id):
    assert load_instrument(instrument_id, CONTENT).id == instrument_id


@pytest.mark.parametrize("instrument_id", INSTRUMENT_IDS)
def test_it_has_english_and_danish_for_every_text(instrument_id):
    texts = list(localized_texts(load_instrument(instrument_id, CONTENT)))
    assert len(texts) > 10
    assert all(text.en.strip() and text.da.strip() for text in texts)


@pytest.mark.parametrize(("instrument_id", "scored", "total"),
                         [("phq9", 9, 10), ("gad7", 7, 7), ("wsas", 5, 5), ("intake", 0, 10)])
def test_it_has_the_published_number_of_items(instrument_id, scored, total):
    instrument = load_instrument(instrument_id, CONTENT)
    assert (len(instrument.scored_items), len(instrument.items)) == (scored, total)


def test_it_flags_phq9_item_9_and_only_item_9_as_risk():
    risky = [item for item in load_instrument("phq9", CONTENT).items if item.risk]
    assert [(item.id, item.risk_threshold) for item in risky] == [("phq9_9", 1)]
    assert (risky[0].is_risk_answer(0), risky[0].is_risk_answer(1)) == (False, True)


def test_it_flags_a_current_suicidal_plan_on_intake_as_risk():
    item = load_instrument("intake", CONTENT).item("suicidal_plan")
    assert (item.kind, item.risk, item.risk_values) == ("yesno", True, ("yes",))
    assert (item.is_risk_answer("yes"), item.is_risk_answer("no")) == (True, False)


def test_it_keeps_the_phq9_difficulty_item_out_of_the_score():
    item = load_instrument("phq9", CONTENT).item("phq9_difficulty")
    assert (item.scored, item.loinc, item.option_values) == (False, "69722-7", (0, 1, 2, 3))


def test_it_carries_the_reference_loinc_codes():
    phq9, gad7 = load_instrument("phq9", CONTENT), load_instrument("gad7", CONTENT)
    assert (phq9.loinc_panel, phq9.loinc_total) == ("44249-1", "44261-6")
    assert (gad7.loinc_panel, gad7.loinc_total) == ("69737-5", "70274-6")
    assert tuple(item.loinc for item in phq9.scored_items) == PHQ9_ITEM_LOINC
    assert tuple(item.loinc for item in gad7.scored_items) == GAD7_ITEM_LOINC


@pytest.mark.parametrize("instrument_id", ["phq9", "gad7"])
def test_it_uses_the_danish_frequency_labels(instrument_id):
    for item in load_instrument(instrument_id, CONTENT).scored_items:
        assert tuple(option.label.da for option in item.options) == DANISH_FREQUENCY


def test_it_lets_only_wsas_be_switched_off():
    optional = {iid for iid, instrument in load_instruments(CONTENT).items()
                if instrument.optional}
    assert optional == {"wsas"}


def test_it_bounds_every_intake_text_answer():
    texts = [item for item in load_instrument("intake", CONTENT).items if item.kind == "text"]
    assert texts and all(item.max_length == 2000 for item in texts)


def test_it_reads_each_file_once():
    assert load_instrument("gad7", CONTENT) is load_instrument("gad7", CONTENT)


def test_it_refuses_an_unsupported_language():
    with pytest.raises(ValueError, match="unsupported language"):
        load_instrument("phq9", CONTENT).title.get("fr")


# --- broken instrument files -------------------------------------------------------------

def shipped(instrument_id):
    return yaml.safe_load(instrument_path(instrument_id, CONTENT).read_text(encoding="utf-8"))


def write_instrument(tmp_path, instrument_id, document):
    (tmp_path / "screening").mkdir(exist_ok=True)
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    (tmp_path / "screening" / f"{instrument_id}.yaml").write_text(text, encoding="utf-8")


def drop_item_danish(doc):
    del doc["items"][0]["text"]["da"]


def open_band_gap(doc):
    doc["bands"][1]["min"] = 6


def misstate_maximum(doc):
    doc["scoring"]["max"] = 26


def misname_option_set(doc):
    doc["items"][2]["options"] = "frequncy"


def duplicate_item(doc):
    doc["items"][1]["id"] = "phq9_1"


def misspell_key(doc):
    doc["items"][0]["socred"] = doc["items"][0].pop("scored")


def rename_instrument(doc):
    doc["id"] = "phq8"


def set_impossible_risk_threshold(doc):
    doc["items"][8]["risk_threshold"] = 4


BROKEN_PHQ9 = [
    (drop_item_danish, "items.0.text: missing da"),
    (open_band_gap, "bands.1: (mild) starts at 6, expected 5"),
    (misstate_maximum, "scoring: min/max (0, 26) do not match the items' range (0, 27)"),
    (misname_option_set, "items.2.options: unknown option set 'frequncy'"),
    (duplicate_item, "items: duplicate item id(s): phq9_1"),
    (misspell_key, "items.0: missing scored"),
    (rename_instrument, "id: is 'phq8' but the file is named phq9.yaml"),
    (set_impossible_risk_threshold, "items.8.risk_threshold: 4 is not an answer"),
]


@pytest.mark.parametrize(("breakage", "message"), BROKEN_PHQ9,
                         ids=[row[0].__name__ for row in BROKEN_PHQ9])
def test_it_rejects_a_broken_phq9_naming_file_line_and_problem(tmp_path, breakage, message):
    document = shipped("phq9")
    breakage(document)
    write_instrument(tmp_path, "phq9", document)
    with pytest.raises(InstrumentError) as error:
        load_instrument("phq9", tmp_path)
    assert re.match(rf"screening/phq9.yaml:[1-9]\d*: {re.escape(message)}", str(error.value))


def test_it_rejects_an_unquoted_yes_option_value(tmp_path):
    document = shipped("intake")
    document["options"]["yes_no"][0]["value"] = True  # what YAML makes of a bare yes
    write_instrument(tmp_path, "intake", document)
    with pytest.raises(InstrumentError,
                       match=r"intake.yaml:\d+: options.yes_no.0.value: must be an integer"):
        load_instrument("intake", tmp_path)


def test_it_rejects_a_text_item_without_max_length(tmp_path):
    document = shipped("intake")
    del document["items"][0]["max_length"]
    write_instrument(tmp_path, "intake", document)
    with pytest.raises(InstrumentError,
                       match=r"intake.yaml:\d+: items.0: text items need a max_length"):
        load_instrument("intake", tmp_path)


def test_it_rejects_a_file_that_is_not_yaml(tmp_path):
    (tmp_path / "screening").mkdir()
    (tmp_path / "screening" / "gad7.yaml").write_text("id: [gad7\n", encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"screening/gad7.yaml:\d+: not valid YAML"):
        load_instrument("gad7", tmp_path)


def test_it_rejects_a_missing_file(tmp_path):
    with pytest.raises(InstrumentError, match=r"screening/wsas.yaml:0: cannot read"):
        load_instrument("wsas", tmp_path)
