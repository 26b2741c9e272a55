"""Language versions of a page: `README-ja.md`, `README.zh-CN.md`, `translations/README-xx.md`
and `docs/<lang>/...` translate the file they name, and are not pages of their own."""

import re
from pathlib import Path

from apps.guides.discovery.specs import SourceFile

TRANSLATION_DIRS = {"translations", "translation", "i18n", "locales", "locale", "lang", "langs"}
LANGUAGE_NAMES = {
    "ar": "العربية", "bg": "Български", "bn": "বাংলা", "ca": "Català", "cs": "Čeština",
    "da": "Dansk", "de": "Deutsch", "el": "Ελληνικά", "en": "English", "es": "Español",
    "et": "Eesti", "fa": "فارسی", "fi": "Suomi", "fr": "Français", "he": "עברית",
    "hi": "हिन्दी", "hr": "Hrvatski", "hu": "Magyar", "id": "Bahasa Indonesia", "it": "Italiano",
    "ja": "日本語", "ka": "ქართული", "kk": "Қазақ", "ko": "한국어", "lt": "Lietuvių",
    "lv": "Latviešu", "mn": "Монгол", "ms": "Bahasa Melayu", "my": "မြန်မာ", "nb": "Norsk bokmål",
    "ne": "नेपाली", "nl": "Nederlands", "no": "Norsk", "pl": "Polski", "pt": "Português",
    "ro": "Română", "ru": "Русский", "sk": "Slovenčina", "sl": "Slovenščina", "sr": "Српски",
    "sv": "Svenska", "sw": "Kiswahili", "ta": "தமிழ்", "te": "తెలుగు", "th": "ไทย",
    "tl": "Tagalog", "tr": "Türkçe", "uk": "Українська", "ur": "اردو", "uz": "O\u02bbzbek",
    "vi": "Tiếng Việt", "zh": "中文", "az": "Azərbaycan", "be": "Беларуская", "hy": "Հայերեն",
    "is": "Íslenska", "km": "ខ្មែរ", "mk": "Македонски", "ml": "മലയാളം", "mr": "मराठी",
    "pa": "ਪੰਜਾਬੀ", "si": "සිංහල", "sq": "Shqip", "gl": "Galego", "eu": "Euskara",
}  # fmt: skip
LANGUAGE_CODE = re.compile(r"^(?P<lang>[a-z]{2})(?:[-_](?P<region>[a-z]{2}|[a-z]{4}))?$", re.I)
LANGUAGE_SUFFIX = re.compile(
    r"^(?P<base>.+?)[-_.](?P<code>[a-z]{2}(?:[-_](?:[a-z]{2}|[a-z]{4}))?)$", re.IGNORECASE
)


def translation_base(
    file: SourceFile, by_relative: dict[str, SourceFile]
) -> tuple[str, str] | None:
    """(relative path of the original, language code) when `file` translates another file."""
    stem, suffix = Path(file.relative).stem, Path(file.relative).suffix
    folder = file.folder
    match = LANGUAGE_SUFFIX.match(stem)
    if match and LANGUAGE_CODE.match(match["code"]):
        code = match["code"]
        places = [folder]
        parent = folder.rsplit("/", 1)[0] if "/" in folder else ""
        if folder and folder.rsplit("/", 1)[-1].casefold() in TRANSLATION_DIRS:
            places.append(parent)
        for place in places:
            for ext in (suffix, ".md", ".markdown"):
                base = f"{place}/{match['base']}{ext}" if place else f"{match['base']}{ext}"
                if base in by_relative and base != file.relative:
                    return base, _normal_code(code)
    parts = file.relative.split("/")
    for index, part in enumerate(parts[:-1]):
        if not LANGUAGE_CODE.match(part) or part.casefold() == "en":
            continue
        without = "/".join(parts[:index] + parts[index + 1 :])
        as_english = "/".join([*parts[:index], "en", *parts[index + 1 :]])
        for base in (without, as_english):
            if base in by_relative:
                return base, _normal_code(part)
    return None


def _normal_code(code: str) -> str:
    lang, _, region = code.replace("_", "-").partition("-")
    if not region:
        return lang.lower()
    return f"{lang.lower()}-{region.title() if len(region) == 4 else region.upper()}"


def language_name(code: str) -> str:
    lang, _, region = code.partition("-")
    name = LANGUAGE_NAMES.get(lang.lower(), code)
    return f"{name} ({region})" if region and name != code else name
