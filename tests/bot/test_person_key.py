from bot.domain.person_key import person_key


def test_the_same_person_gets_the_same_key_whatever_the_case_of_their_email() -> None:
    assert person_key("k1", "Ada@Example.com ") == person_key("k1", "ada@example.com")
    assert len(person_key("k1", "U123")) == 64


def test_chat_ids_keep_their_case_and_another_key_gives_another_pseudonym() -> None:
    assert person_key("k1", "U123") != person_key("k1", "u123")
    assert person_key("k1", "U123") != person_key("k2", "U123")


def test_an_entra_object_id_is_one_person_in_capitals_or_not() -> None:
    # HR exports write GUIDs in capitals; Teams sends them in small letters.
    upper = "6B29FC40-CA47-1067-B31D-00DD010662DA"
    assert person_key("k1", upper) == person_key("k1", upper.lower())
