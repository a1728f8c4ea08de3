"""Every language end to end: understood, answered in that language, with the same facts."""
import uuid

import pytest

from bot.client import send
from tests.support.replies import Expected

pytestmark = pytest.mark.slow

# A greeting and an information question as a newcomer would type them, per language.
MESSAGES = {
    "nl": ("Goedemorgen!", "Moet ik inburgeren als ik uit Oekraïne kom?", "utter_obligation"),
    "en": ("Good morning!", "Do I have to integrate if I come from Ukraine?", "utter_obligation"),
    "ar": ("صباح الخير", "هل لازم أعمل الاندماج إذا أنا من أوكرانيا؟", "utter_obligation"),
    "tr": ("Günaydın, merhaba", "Ukraynalıyım, uyum sınavına girmek zorunda mıyım?", "utter_obligation"),
    "ti": ("ሰላም ከመይ ኣለኹም", "ካብ ዩክሬን እየ፡ ኢንቡርገሪንግ ግዴታ ድዩ ንዓይ?", "utter_obligation"),
    "fa": ("سلام صبح بخیر", "من اوکراینی هستم، آیا باید ادغام (inburgering) انجام بدهم؟", "utter_obligation"),
    "so": ("Subax wanaagsan", "Waxaan ka imid Ukraine, ma waajib baa inaan sameeyo inburgering?", "utter_obligation"),
    "uk": ("Доброго ранку!", "Я живу тут два місяці, чи мушу я проходити інтеграцію?", "utter_obligation"),
}


@pytest.mark.parametrize("language", sorted(MESSAGES))
def test_understood_and_answered_in_the_users_language(servers, catalogue, language):
    greeting, question, response = MESSAGES[language]
    sender = f"lang-{language}-{uuid.uuid4().hex[:8]}"
    expected = Expected(catalogue)  # the texts with the notice an unchecked translation gets once
    replies = send(servers.rasa_url, sender, greeting)
    assert "\n\n".join(r["text"] for r in replies) == expected.text("utter_greet", language)
    replies = send(servers.rasa_url, sender, question)
    assert "\n\n".join(r["text"] for r in replies) == expected.text(response, language)
