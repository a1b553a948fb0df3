from app.accounts import passwords


def test_it_hashes_with_argon2id():
    assert passwords.hash_password("a perfectly fine passphrase").startswith("$argon2id$")


def test_it_verifies_the_right_password_only():
    stored = passwords.hash_password("a perfectly fine passphrase")
    assert passwords.verify_password(stored, "a perfectly fine passphrase")
    assert not passwords.verify_password(stored, "a perfectly fine passphrasE")


def test_it_does_not_verify_against_a_missing_hash():
    assert not passwords.verify_password(None, "stepcare-timing-equaliser")


def test_it_accepts_a_64_character_passphrase():
    assert passwords.policy_problems("x" * 20 + " long walks by the sea at dawn " + "y" * 14) == []
    assert passwords.policy_problems("z" * 64) == []


def test_it_refuses_common_passwords():
    assert passwords.policy_problems("password123")


def test_it_accepts_a_plain_uncommon_password_without_composition_rules():
    assert passwords.policy_problems("abcdefghijkl") == []


def test_it_refuses_short_passwords():
    assert passwords.policy_problems("a1b2c3d")


def test_it_refuses_the_email_name_as_password():
    assert passwords.policy_problems("alice.andersen", email="alice.andersen@example.com")
