"""The referral letter says which clinic sends it and how to reach it."""

from __future__ import annotations

from bs4 import BeautifulSoup

from tests.helpers import post_form, sign_in


def test_it_puts_the_clinics_name_address_and_phone_on_the_letter(app, client, screened):
    app.config.update(CLINIC_NAME="Klinik Syd", CLINIC_ADDRESS="Havnegade 1, 6000 Kolding",
                      CLINIC_PHONE="+45 11 22 33 44")
    sign_in(app, client, screened.theo)
    page = post_form(client, f"/patients/{screened.alice.id}/referral",
                     {"recipient": "Psykiatrien", "reason": "Needs assessment."})
    sender = BeautifulSoup(page.get_data(as_text=True), "html.parser").select_one(
        ".letter address")
    text = sender.get_text(" ", strip=True)
    assert "Klinik Syd" in text and "Havnegade 1, 6000 Kolding" in text
    assert "+45 11 22 33 44" in text


def test_it_signs_the_letter_for_the_clinic(app, client, screened):
    app.config.update(CLINIC_NAME="Klinik Syd")
    sign_in(app, client, screened.theo)
    page = post_form(client, f"/patients/{screened.alice.id}/referral",
                     {"recipient": "Psykiatrien", "reason": "Needs assessment."})
    signature = BeautifulSoup(page.get_data(as_text=True), "html.parser").select_one(
        ".letter .signature").get_text(" ", strip=True)
    assert signature == f"{screened.theo.name} Therapist, Klinik Syd"
