"""Values as people and sources type them, made into what the schema accepts: web addresses,
e-mails, phone numbers, commune and postal codes, keywords.

One parse per concept: the contribution form's repairs, the importers and the validator's phone
rule read these the same way. Every function is pure and forgiving: it takes one typed value and
returns a clean one, or ``None`` when nothing usable is left (the caller says what it dropped).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from communs.records.text import slugify

# The schema's patterns (defs.schema.json), so that a cleaned value is a valid value.
URL_PATTERN = re.compile(r"^https?://[^\s/?#@]+\.[^\s/?#@.]+(?::[0-9]+)?(?:[/?#]\S*)?$")
_URL_CANDIDATE = re.compile(r"(?:https?://|www\.)[^\s<>\"'|,;]+", re.IGNORECASE)
_BARE_DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,24}(?:[/?#]\S*)?$", re.IGNORECASE)
# The common shape of an address, which email-validator would accept: checked without it, as
# email-validator's internationalised-domain checks cost a millisecond per address.
EMAIL_PATTERN = re.compile(
    r"^(?=.{1,64}@)[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_EMAIL_CANDIDATE = re.compile(r"[A-Za-z0-9_%+.-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,63}")
_INSEE = re.compile(r"^(?:[0-9]{2}|2[AB])[0-9]{3}$")
_POSTAL = re.compile(r"^[0-9]{5}$")

_BLANKS = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")


def one_line(value: object) -> str:
    """A cell as one trimmed line: spaces (no-break ones included) collapsed, controls removed."""
    if value is None:
        return ""
    return _BLANKS.sub(" ", str(value)).strip()



def tag_slug(text: str) -> str | None:
    """A free keyword (schema: slug, 2 to 40 characters) from a label, or None."""
    text = re.sub(r"\([^)]*\)", " ", text)
    text = re.sub(r"^\s*[0-9]+\s*[-.)]\s*", "", text)  # "07- Musiques actuelles"
    slug = slugify(text, max_length=40)
    return slug if 2 <= len(slug) <= 40 else None



# Codes -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeResult:
    code: str | None  # a well-formed code, or None
    restored: bool = False  # a leading zero was put back
    raw: str = ""


def normalise_insee(value: object) -> CodeResult:
    """An INSEE commune code from a cell: "97411", "2a004" -> "2A004", "1053" or "1053.0" -> "01053".

    Spreadsheets read codes as numbers: they drop the leading zero of the départements 01 to 09
    and may add ".0"; a 4-digit code can only be such a code, so the zero is put back (and said).
    """
    raw = one_line(value)
    text = raw.upper().replace(" ", "")
    text = text.removesuffix(".0")
    if _INSEE.match(text):
        return CodeResult(text, raw=raw)
    if text.isdigit() and len(text) == 4:
        return CodeResult("0" + text, restored=True, raw=raw)
    return CodeResult(None, raw=raw)


def normalise_postal_code(value: object) -> str | None:
    """A 5-digit postal code from a cell ("1000" from a spreadsheet -> "01000"), or None."""
    text = one_line(value).replace(" ", "")
    text = text.removesuffix(".0")
    if text.isdigit() and len(text) == 4:
        text = "0" + text
    return text if _POSTAL.match(text) else None


# Links -------------------------------------------------------------------------------------------


def clean_url(value: object) -> str | None:
    """The first usable web address of a cell: scheme added when missing, or None.

    Cells hold "www.example.fr", "Https://…", two addresses ("a.fr // https://b.fr"), or prose
    ("pas de site", "page Facebook"); e-mail addresses are not web sites.
    """
    text = one_line(value)
    if not text:
        return None
    candidates = [match.group(0) for match in _URL_CANDIDATE.finditer(text)]
    if not candidates and " " not in text and "@" not in text and _BARE_DOMAIN.match(text):
        candidates = [text]
    for candidate in candidates:
        candidate = candidate.rstrip(".,;:)!?»\"'")
        lowered = candidate.lower()
        if lowered.startswith(("http://", "https://")):
            scheme, rest = candidate.split("://", 1)
            candidate = f"{scheme.lower()}://{rest}"
        else:
            candidate = "https://" + candidate
        if URL_PATTERN.match(candidate) and len(candidate) <= 2000 and _ascii_host(candidate):
            return candidate
    return None


def _ascii_host(url: str) -> bool:
    host = url.split("://", 1)[1].split("/", 1)[0]
    return host.isascii()


def is_email(value: str) -> bool:
    """Whether a text is one e-mail address, for the validator and the cleaners alike: the
    common shape at once, anything else (an internationalised domain, say) as email-validator
    reads it, without asking the network."""
    if len(value) > 254:
        return False
    if EMAIL_PATTERN.match(value):
        return True
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def clean_email(value: object) -> str | None:
    """The first valid e-mail address of a cell ("<a@b.fr>;", "a@b.fr / c@d.fr", "x"), or None."""
    text = one_line(value)
    for match in _EMAIL_CANDIDATE.finditer(text):
        candidate = match.group(0).strip(".")
        if is_email(candidate):
            return candidate
    return None


# Phone numbers are read in the numbering plan of the record's territory: those of the overseas
# départements and collectivities, France's elsewhere.
PHONE_REGIONS = {
    "971": "GP", "972": "MQ", "973": "GF", "974": "RE", "975": "PM", "976": "YT",
    "977": "BL", "978": "MF", "986": "WF", "987": "PF", "988": "NC",
}


def clean_phone(value: object, commune: str | None = None) -> str | None:
    """The first possible phone number of a cell, in international form (+262 262 12 34 56)."""
    import phonenumbers

    text = one_line(value)
    if not text:
        return None
    region = PHONE_REGIONS.get((commune or "")[:3], "FR")
    for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
        formatted = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        if re.fullmatch(r"\+?[0-9][0-9 .()-]{5,28}", formatted):
            return formatted
    return None


# Mailbox providers open to anyone: an address there is a person's or an organisation's own
# mailbox, never a domain that vouches for an organisation.
PUBLIC_MAIL_PROVIDERS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.fr", "yahoo.com", "hotmail.fr", "hotmail.com", "outlook.fr", "outlook.com",
    "live.fr", "live.com", "msn.com", "orange.fr", "wanadoo.fr", "free.fr", "sfr.fr", "neuf.fr", "laposte.net",
    "icloud.com", "me.com", "protonmail.com", "proton.me", "gmx.fr", "gmx.com", "aol.com", "bbox.fr", "numericable.fr",
})


def _host(url: str) -> str:
    host = url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].lower()
    return host[4:] if host.startswith("www.") else host


def contact_keys(contact: dict, commune: str | None) -> dict[str, tuple[str, ...]]:
    """What each public contact of a record says about whose it is, as comparable keys:
    an e-mail is its address and, outside public mailbox providers, its domain; a phone its
    international form; a website its domain. A call's contact must share one with its actor's."""
    found: dict[str, tuple[str, ...]] = {}
    email = contact.get("email")
    if isinstance(email, str) and "@" in email:
        address = email.strip().lower()
        domain = address.rsplit("@", 1)[1]
        found["email"] = (f"email:{address}",) + (() if domain in PUBLIC_MAIL_PROVIDERS else (f"domain:{domain}",))
    phone = contact.get("phone")
    if isinstance(phone, str):
        number = clean_phone(phone, commune)
        if number:
            found["phone"] = ("phone:" + re.sub(r"[^0-9+]", "", number),)
    website = contact.get("website")
    if isinstance(website, str) and "://" in website:
        found["website"] = (f"domain:{_host(website)}",)
    return found
