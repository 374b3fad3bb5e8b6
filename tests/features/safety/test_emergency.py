"""Emergency advice fits where the runner is, and says nothing false where we don't know."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.content import ContentError, load_content
from bot.features.safety import (
    EmergencyAdvice,
    EmergencyContent,
    country_for,
    emergency_advice,
    load_emergency_content,
)
from bot.features.safety.countries import iso_countries, language_country, zone_country
from tests.conftest import CONTENT_DIR

EMERGENCY = CONTENT_DIR / "emergency.yaml"

FALLBACK_EMERGENCY = "your local emergency number"
FALLBACK_URGENT_LINE = "your local urgent care or out-of-hours service"


@pytest.fixture(scope="module")
def emergency() -> EmergencyContent:
    return load_emergency_content(EMERGENCY)


def advice_for(
    content: EmergencyContent, time_zone: str | None, language: str | None = None
) -> EmergencyAdvice:
    return emergency_advice(content, country_for(time_zone, language))


# --- where is the runner? --------------------------------------------------------------


@pytest.mark.parametrize(
    ("time_zone", "country"),
    [
        ("America/Toronto", "CA"),
        ("America/Vancouver", "CA"),
        ("Europe/London", "GB"),
        ("Europe/Berlin", "DE"),
        ("Australia/Sydney", "AU"),
        ("Pacific/Auckland", "NZ"),
        ("America/New_York", "US"),
        ("America/Los_Angeles", "US"),
        ("Asia/Kolkata", "IN"),
        ("Asia/Tokyo", "JP"),
        ("Africa/Johannesburg", "ZA"),
        ("America/Sao_Paulo", "BR"),
        ("America/Mexico_City", "MX"),
        ("Asia/Singapore", "SG"),
        ("Europe/Amsterdam", "NL"),
        ("Europe/Stockholm", "SE"),
        ("europe/london", "GB"),  # spelt loosely
        (" Europe/Paris ", "FR"),
        # Old names tzdata keeps as links, where the link belongs to one country.
        ("US/Eastern", "US"),
        ("Asia/Calcutta", "IN"),
        ("Australia/NSW", "AU"),
    ],
)
def test_a_time_zone_names_its_country(time_zone: str, country: str) -> None:
    assert country_for(time_zone, None) == country


@pytest.mark.parametrize(
    "time_zone",
    [
        "Mars/Olympus_Mons",
        "Etc/UTC",
        "UTC",
        "",
        "../../etc/passwd",
        # Links shared by several countries: London is also Jersey's and Guernsey's clock,
        # Toronto is the Bahamas', so the old names say nothing about which one.
        "Europe/Belfast",
        "Canada/Eastern",
    ],
)
def test_an_unknown_or_shared_zone_names_no_country(time_zone: str) -> None:
    assert country_for(time_zone, None) is None


@pytest.mark.parametrize(
    ("language", "country"),
    [
        ("en-CA", "CA"),
        ("en-GB", "GB"),
        ("pt_BR", "BR"),
        ("fr-CA", "CA"),
        ("EN-gb", "GB"),
        ("zh-Hant-TW", "TW"),
        ("en_GB.UTF-8", "GB"),
        ("de-DE-1996", "DE"),
        ("en-UK", "GB"),
    ],
)
def test_a_language_with_a_region_names_the_region(language: str, country: str) -> None:
    assert country_for(None, language) == country


@pytest.mark.parametrize("language", ["de", "en", "pt", "es-419", "en-XX", "", "english"])
def test_a_bare_language_or_a_non_country_region_names_none(language: str) -> None:
    assert country_for(None, language) is None


def test_the_zone_wins_and_the_language_is_the_fallback() -> None:
    assert country_for("Europe/Berlin", "en-GB") == "DE"
    assert country_for("Etc/UTC", "en-GB") == "GB"
    assert country_for("Mars/Olympus_Mons", "fr-CA") == "CA"
    assert country_for("Etc/UTC", "de") is None
    assert country_for(None, None) is None


def test_the_tables_come_from_tzdata_and_are_cached() -> None:
    assert zone_country("Europe/Madrid") == "ES"
    assert language_country("it-IT") == "IT"
    assert {"GB", "US", "NZ", "ZA"} <= iso_countries()
    assert iso_countries() is iso_countries()


# --- what do we tell them? -------------------------------------------------------------


def test_toronto_gets_911_and_the_provincial_line(emergency: EmergencyContent) -> None:
    advice = advice_for(emergency, "America/Toronto")
    assert advice.country == "CA"
    assert advice.emergency == "911"
    assert "811 in most provinces" in advice.urgent_line
    assert advice.emergency_action.startswith("call 911 or go to the ER")


def test_london_gets_999_nhs_111_and_a_and_e(emergency: EmergencyContent) -> None:
    advice = advice_for(emergency, "Europe/London")
    assert advice.emergency == "999"
    assert advice.numbers == ("999", "112")
    assert advice.urgent_line.startswith("NHS 111")
    assert advice.department == "A&E"
    assert advice.emergency_action == "call 999 or go to A&E"
    assert "call 999 or go to A&E" in advice.urgent
    assert "NHS 111" in advice.urgent
    assert "NHS 111" in advice.see_clinician


def test_berlin_gets_112_and_116_117(emergency: EmergencyContent) -> None:
    advice = advice_for(emergency, "Europe/Berlin")
    assert advice.emergency == "112"
    assert "116 117" in advice.urgent_line
    assert "Notaufnahme" in advice.department


def test_sydney_gets_000_and_healthdirect(emergency: EmergencyContent) -> None:
    advice = advice_for(emergency, "Australia/Sydney")
    assert advice.emergency == "000"
    assert "1800 022 222" in advice.urgent_line


def test_auckland_gets_111_and_healthline(emergency: EmergencyContent) -> None:
    advice = advice_for(emergency, "Pacific/Auckland")
    assert advice.emergency == "111"
    assert "0800 611 116" in advice.urgent_line


def test_new_york_gets_911_and_the_er(emergency: EmergencyContent) -> None:
    advice = advice_for(emergency, "America/New_York")
    assert advice.emergency == "911"
    assert "ER" in advice.department
    # No national nurse line: the words that are true anywhere.
    assert advice.urgent_line == FALLBACK_URGENT_LINE


def test_a_canadian_language_tag_alone_is_enough(emergency: EmergencyContent) -> None:
    assert advice_for(emergency, None, "en-CA").emergency == "911"


def test_a_bare_language_gets_the_words_that_fit_anywhere(emergency: EmergencyContent) -> None:
    advice = advice_for(emergency, None, "de")
    assert advice.country is None
    assert advice.emergency == FALLBACK_EMERGENCY
    assert advice.urgent_line == FALLBACK_URGENT_LINE
    assert advice.numbers == ()
    assert advice.emergency_action == (
        "call your local emergency number or go to the nearest emergency department"
    )
    assert FALLBACK_EMERGENCY in advice.urgent
    assert FALLBACK_URGENT_LINE in advice.see_clinician


def test_an_unknown_zone_gets_the_fallback_too(emergency: EmergencyContent) -> None:
    advice = advice_for(emergency, "Mars/Olympus_Mons")
    assert advice.country is None
    assert advice.emergency == FALLBACK_EMERGENCY


def test_a_country_we_have_no_entry_for_gets_the_fallback(emergency: EmergencyContent) -> None:
    assert "KE" not in emergency.countries
    advice = advice_for(emergency, "Africa/Nairobi")
    assert advice.country is None
    assert advice.emergency == FALLBACK_EMERGENCY


@pytest.mark.parametrize(
    ("country", "numbers"),
    [
        ("GB", ("999", "112")),
        ("IE", ("112", "999")),
        ("US", ("911",)),
        ("CA", ("911",)),
        ("AU", ("000", "112")),
        ("NZ", ("111",)),
        ("DE", ("112",)),
        ("FR", ("15", "112")),
        ("ES", ("112",)),
        ("IT", ("112",)),
        ("NL", ("112",)),
        ("SE", ("112",)),
        ("IN", ("112",)),
        ("JP", ("119",)),
        ("ZA", ("10177", "112")),
        ("BR", ("192",)),
        ("MX", ("911",)),
        ("SG", ("995",)),
    ],
)
def test_each_country_has_the_numbers_we_checked(
    emergency: EmergencyContent, country: str, numbers: tuple[str, ...]
) -> None:
    assert emergency.countries[country].emergency == numbers


def test_every_country_names_a_source_with_a_url(emergency: EmergencyContent) -> None:
    assert len(emergency.countries) >= 15
    for code, country in emergency.countries.items():
        assert country.sources, code
        for source_id in country.sources:
            url = emergency.sources[source_id].url
            assert url is not None
            assert url.startswith("https://"), (code, source_id)


def test_every_country_fills_every_template_completely(emergency: EmergencyContent) -> None:
    for code in (*emergency.countries, None):
        advice = emergency_advice(emergency, code)
        for text in (advice.emergency_action, advice.urgent, advice.see_clinician):
            assert not re.search(r"[{}]", text), (code, text)
        assert advice.emergency in advice.emergency_action
        assert advice.emergency in advice.urgent
        assert advice.urgent_line in advice.see_clinician
        assert advice.fill("{emergency} / {urgent_line} / {department}") == (
            f"{advice.emergency} / {advice.urgent_line} / {advice.department}"
        )


def test_the_advice_names_its_sources(emergency: EmergencyContent) -> None:
    advice = emergency_advice(emergency, "gb")
    assert advice.country == "GB"
    assert any("nhs.uk" in (source.url or "") for source in advice.sources)


# --- a broken file says which file, which field and why ----------------------------------


def _broken(tmp_path: Path, change: Callable[[dict[str, object]], None]) -> Path:
    data = yaml.safe_load(EMERGENCY.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "emergency.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _country(data: dict[str, object], code: str) -> dict[str, object]:
    countries = data["countries"]
    assert isinstance(countries, dict)
    entry = countries[code]
    assert isinstance(entry, dict)
    return entry


def _templates(data: dict[str, object]) -> dict[str, object]:
    templates = data["templates"]
    assert isinstance(templates, dict)
    return templates


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: _country(d, "GB").update(sources=["hearsay"]),
            "emergency.yaml: countries.GB.sources.0: unknown source 'hearsay'",
        ),
        (
            lambda d: _country(d, "US").pop("emergency"),
            "emergency.yaml: countries.US.emergency: Field required",
        ),
        (
            lambda d: _country(d, "US").update(emergency=[]),
            "emergency.yaml: countries.US.emergency: Tuple should have at least 1 item",
        ),
        (
            lambda d: _country(d, "US").update(emergency=["9-1-1"]),
            "emergency.yaml: countries.US.emergency.0: String should match pattern",
        ),
        (
            lambda d: _country(d, "NZ").update(sources=[]),
            "emergency.yaml: countries.NZ.sources: Tuple should have at least 1 item",
        ),
        (
            lambda d: _country(d, "DE").update(colour="red"),
            "emergency.yaml: countries.DE.colour: Extra inputs are not permitted",
        ),
        (
            lambda d: _templates(d).update(urgent="Call {ambulance} now."),
            "emergency.yaml: templates.urgent: Value error, unknown placeholder ['ambulance']",
        ),
        (
            lambda d: _templates(d).update(emergency_action="go to {department}"),
            "emergency.yaml: templates.emergency_action: Value error, must mention {emergency}",
        ),
        (
            lambda d: _templates(d).update(see_clinician="See a {department"),
            "emergency.yaml: templates.see_clinician",
        ),
        (
            lambda d: d["countries"].update(XX=_country(d, "GB")),
            "emergency.yaml: countries.XX: not an ISO 3166 country code",
        ),
        (
            lambda d: d["sources"].update(unused={"title": "x", "url": "https://x"}),
            "emergency.yaml: sources.unused: not used by any country",
        ),
        (
            lambda d: d["sources"]["us_911"].pop("url"),
            "emergency.yaml: sources.us_911: a source for a number needs a url",
        ),
    ],
)
def test_broken_emergency_content_names_file_and_field(
    tmp_path: Path, change: Callable[[dict[str, object]], None], expected: str
) -> None:
    path = _broken(tmp_path, change)
    with pytest.raises(ContentError) as caught:
        load_emergency_content(path)
    assert expected in str(caught.value)


def test_check_content_refuses_a_broken_emergency_file(tmp_path: Path) -> None:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    data = yaml.safe_load((target / "emergency.yaml").read_text(encoding="utf-8"))
    data["countries"]["IE"]["sources"] = ["rumour"]
    (target / "emergency.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ContentError, match=r"emergency\.yaml: countries\.IE\.sources\.0"):
        load_content(target)
