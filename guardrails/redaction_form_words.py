"""Capitalised words of forms and medical notes that the name rules take for people: field labels and diagnoses.

Forms capitalise their labels ("Gender: Female, Age: 71", "Passport: J682...", "Auth token: ...", "Discharge
Summary") and notes capitalise conditions ("presented with Obstructive Sleep Apnea", "Diagnosis: Migraine with
Aura"). NER and the rare-word rule read such words as names ("Age" and "Visa" are given names somewhere, "Apnea" is
rare English), which costs the reader the field and the diagnosis. A label is one word followed by its colon or by
a word that finishes a label; a diagnosis holds a condition word or a clinical suffix no name list holds.
"""
from __future__ import annotations

from typing import Sequence

from guardrails.text_spans import Span, compile_re2

FIELD_LABELS = frozenset("""
age gender sex passport visa nationality religion ethnicity auth token config configuration discharge summary
diagnosis prognosis prescription rx insurance provider employer department salary income username user password
login device serial profile subject status priority category notes note comments remarks reference invoice order
account card wallet routing swift iban email e-mail phone tel telephone mobile fax address street city zip postcode
domicilio indirizzo dirección direccion adresse anschrift adres morada telefono teléfono téléphone telefon
dob birthdate geburtsdatum geboortedatum födelsedatum fødselsdato syntymäaika amount total balance mrn ssn vin plate license licence biometric registration transaction
""".split())
LABEL_ENDINGS = frozenset("summary token file id number no report key code details record records form".split())
CONDITION_WORDS = frozenset("""
disorder disorders disease diseases syndrome infarction mellitus apnea apnoea migraine migraines diabetes hypertension
asthma cancer carcinoma tumour tumor fracture fractures whiplash concussion sprain laceration contusion dislocation
injury injuries fibrillation dehydration pneumonia bronchitis influenza infection sepsis stroke anxiety depression
depressive dementia insufficiency failure stenosis aneurysm embolism thrombosis allergy allergies eczema psoriasis
""".split())
CLINICAL_SUFFIXES = ("itis", "osis", "aemia", "emia", "pathy", "algia", "plegia", "ectomy", "otomy", "ostomy",
                     "scopy", "trophy", "plasia", "penia", "rrhea", "rrhoea", "uria", "oma")
LABEL_AFTER = compile_re2(r"^[ \t]*(?:[:=]|(\p{L}+))")


def medical_term(word: str) -> bool:
    """A condition word ("Apnea", "Disorder") or a clinical coinage ("Arthritis", "Nephropathy") no name list holds."""
    from guardrails.name_lexicon import given_or_surname

    lowered = word.lower().strip(",.;:()'’")
    if lowered in CONDITION_WORDS:
        return True
    return len(lowered) >= 7 and lowered.endswith(CLINICAL_SUFFIXES) and not given_or_surname(word)


def _field_label(text: str, span: Span) -> bool:
    value = text[span.start : span.end]
    if " " in value or value.lower() not in FIELD_LABELS:
        return False
    after = LABEL_AFTER.search(text[span.end : span.end + 24])
    return after is not None and (after.group(1) is None or after.group(1).lower() in LABEL_ENDINGS)


def _diagnosis(text: str, span: Span) -> bool:
    words = text[span.start : span.end].split()
    # "Migraine with Aura": what a condition is "with" belongs to the diagnosis.
    before = [w.strip(",.;:()") for w in text[max(0, span.start - 24) : span.start].split()][-2:]
    led = len(before) == 2 and before[1].lower() == "with" and medical_term(before[0])
    return led or any(map(medical_term, words))


def drop_form_words(text: str, spans: Sequence[Span]) -> list[Span]:
    """`spans` without the PERSON and LOCATION spans that are a field label, a diagnosis or a birth cue in another
    language ("Fecha de nacimiento:", "Nata il")."""
    from guardrails.recognizers import DOB_CUE

    cues = [m.span(1) for m in DOB_CUE.finditer(text)] if any(s.type == "PERSON" for s in spans) else []
    return [
        s for s in spans
        if s.type not in ("PERSON", "LOCATION")
        or not (_field_label(text, s) or s.type == "PERSON" and (_diagnosis(text, s) or _in_cue(text, s, cues)))
    ]


def _in_cue(text: str, span: Span, cues: Sequence[tuple[int, int]]) -> bool:
    """The span overlaps a birth cue and holds no word outside it but short ones ("Il est né": "Il", "est")."""
    for a, b in cues:
        if span.start < b and a < span.end:
            outside = text[span.start : max(span.start, a)] + " " + text[min(span.end, b) : span.end]
            return all(len(w) <= 3 for w in outside.split())
    return False
