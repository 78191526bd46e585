"""Spanish alongside English, over HTTP: the switch, the search, a group's page, and a
catalogue with nothing left untranslated."""

import gettext
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.test import TestCase

from directory.models import Group
from tests.factories import make_group, make_online_group

TUESDAY_MORNING = datetime(2026, 11, 24, 10, tzinfo=ZoneInfo("America/Chicago"))
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES"


class LanguageSwitchTests(TestCase):
    def test_english_is_the_default_and_offers_spanish(self):
        response = self.client.get("/")

        self.assertContains(response, '<html lang="en">')
        self.assertContains(response, "Find groups")
        self.assertContains(
            response, '<button type="submit" name="language" value="es" lang="es">Español</button>'
        )

    def test_choosing_spanish_keeps_the_page_and_is_remembered(self):
        response = self.client.post(
            "/i18n/setlang/", {"language": "es", "next": "/groups/?near=78701"}
        )

        self.assertRedirects(response, "/groups/?near=78701", fetch_redirect_response=False)
        home = self.client.get("/")
        self.assertContains(home, '<html lang="es">')
        self.assertContains(home, "Buscar grupos")
        self.assertContains(home, "Llama al 988")
        self.assertContains(home, "Grupos de apoyo entre pares")  # the quick links
        self.assertContains(home, 'value="en" lang="en">English</button>')
        self.assertNotContains(home, "Find groups")

    def test_a_browser_that_prefers_spanish_gets_spanish(self):
        response = self.client.get("/", headers={"accept-language": "es-US,es;q=0.9"})

        self.assertContains(response, '<html lang="es">')
        self.assertContains(response, "Encuentra un grupo de apoyo para la depresión")

    def test_a_language_we_do_not_have_falls_back_to_english(self):
        response = self.client.get("/", headers={"accept-language": "fr"})

        self.assertContains(response, '<html lang="en">')


@time_machine.travel(TUESDAY_MORNING, tick=False)
class SpanishPagesTests(TestCase):
    def setUp(self):
        self.client.post("/i18n/setlang/", {"language": "es", "next": "/"})

    def test_search_results_in_spanish(self):
        make_group("Tuesday Evening Circle", focus=["women"])
        make_online_group("Online Circle")

        response = self.client.get("/groups/", {"near": "78701", "focus": "women"})

        self.assertContains(
            response, "1 grupo a menos de 25 millas de Austin, TX 78701, y luego 0 en línea"
        )
        for text in [
            "Grupo de apoyo entre pares · En persona · Austin, TX",
            "Los martes, 19:00–20:30 (hora del Centro)",
            "Mujeres",  # the focus vocabulary
            "Inglés",  # language names
            "Martes",  # day names, as filter labels
        ]:
            with self.subTest(text=text):
                self.assertContains(response, text)

    def test_search_errors_in_spanish(self):
        response = self.client.get("/groups/", {"near": "Nowhere, ZZ", "radius": "500"})

        self.assertContains(response, "Revisa tu búsqueda, por favor")
        self.assertContains(response, "No encontramos “Nowhere, ZZ”.")
        self.assertContains(response, "La distancia puede ser de 100 millas como máximo.")

    def test_a_group_page_and_its_checklist_in_spanish(self):
        make_group(
            "Tuesday Evening Circle",
            membership=Group.Membership.CLOSED,
            starts_on=date(2026, 12, 1),
            ends_on=date(2027, 2, 23),
            languages="en,es",
            focus=["women"],
            last_verified_on=date(2026, 10, 1),
        )

        response = self.client.get("/groups/tuesday-evening-circle-austin/")

        for text in [
            "Un grupo cerrado: todos empiezan juntos el 1 de diciembre de 2026 y termina el "
            "23 de febrero de 2027.",
            "Los martes, 19:00–20:30 (hora del Centro). Próxima: martes 1 de diciembre",
            "En inglés, español",
            "Mujeres",
            "Lo que comprobamos",
            "<strong>Qué hace y con qué frecuencia se reúne: Se ve bien.</strong>",
            "Los datos se confirmaron el 1 de octubre de 2026.",
            "Informar de un problema con este anuncio",
        ]:
            with self.subTest(text=text):
                self.assertContains(response, text, html=False)
        self.assertNotContains(response, "What we checked")

    def test_an_online_groups_checklist_explains_in_spanish(self):
        make_online_group("Online Circle", moderation_rules="", cost="fee", fee_per_session=90)

        response = self.client.get("/groups/online-circle/")

        self.assertContains(response, 'data-check="moderation_rules" data-status="flag"')
        self.assertContains(response, "Pregunta cómo se modera el grupo antes de unirte.")
        self.assertContains(response, "Este grupo en línea cobra $90 por sesión.")


def po_entries(path):
    """(msgctxt, msgid, [msgstr...], flags) for each entry of a .po file, header left out."""
    entries, entry, field = [], None, None

    def unquote(text):
        return text.strip()[1:-1].encode().decode("unicode_escape").encode("latin-1").decode()

    for line in path.read_text().splitlines() + [""]:
        if not line.strip():
            if entry and entry["msgid"]:
                entries.append(entry)
            entry, field = None, None
            continue
        entry = entry or {"msgctxt": None, "msgid": "", "msgstr": {}, "flags": ""}
        if line.startswith("#,"):
            entry["flags"] += line[2:]
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if isinstance(field, tuple):
                entry["msgstr"][field[1]] += unquote(line)
            else:
                entry[field] += unquote(line)
        else:
            keyword, _, value = line.partition(" ")
            plural = re.fullmatch(r"msgstr\[(\d)\]", keyword)
            if plural or keyword == "msgstr":
                field = ("msgstr", int(plural[1]) if plural else 0)
                entry["msgstr"][field[1]] = unquote(value)
            else:
                field = keyword
                entry[field] = unquote(value)
    return entries


class CatalogueTests(TestCase):
    def test_every_message_has_a_spanish_translation_and_the_compiled_file_is_current(self):
        entries = po_entries(CATALOGUE / "django.po")
        with (CATALOGUE / "django.mo").open("rb") as compiled:
            catalogue = gettext.GNUTranslations(compiled)._catalog

        self.assertGreater(len(entries), 400)
        for entry in entries:
            with self.subTest(msgid=entry["msgid"]):
                self.assertNotIn("fuzzy", entry["flags"])
                self.assertTrue(all(entry["msgstr"].values()), "untranslated")
                placeholders = set(re.findall(r"%\(\w+\)[sd]", entry["msgid"]))
                for translation in entry["msgstr"].values():
                    self.assertLessEqual(
                        set(re.findall(r"%\(\w+\)[sd]", translation)), placeholders | {"%(count)d"}
                    )
                key = entry["msgid"]
                if entry["msgctxt"]:
                    key = f"{entry['msgctxt']}\x04{key}"
                if "msgid_plural" in entry:
                    key = (key, 0)
                self.assertEqual(catalogue.get(key), entry["msgstr"][0], "django.mo is stale")
