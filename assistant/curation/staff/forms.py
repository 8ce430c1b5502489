"""Everyday edits without YAML (editor role): weekly hours, one-off closures, current notices with
an end date, phone/e-mail/address, local answers, and local stories in a guided form.

Every edit is applied to the municipality's files with comments kept (:mod:`assistant.curation.yaml_edit`,
:mod:`assistant.curation.story_form`), validated before saving with German messages, previewed
("Vorschau": what the assistant will answer), saved through :mod:`assistant.curation.kbedit` (recorded
in the history, revertible, loaded into the database so the action server answers with it at once).
Hours, closures, notices, contacts and answer texts need no training; new questions and stories do.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Optional
from zoneinfo import ZoneInfo

import phonenumbers
import yaml
from aiohttp import web

from assistant.curation import kbedit, story_form, yaml_edit
from assistant.curation.staff.common import blocking, ctx_of, form_of, staff_only, state
from assistant.curation.staff.render import render
from assistant.kb.loader import KBValidationError, KnowledgeBase, load_kb
from assistant.kb.schema import SLUG_RE, TIME_RANGE_RE

WEEKDAYS = (("mo", "Montag"), ("di", "Dienstag"), ("mi", "Mittwoch"), ("do", "Donnerstag"), ("fr", "Freitag"),
            ("sa", "Samstag"), ("so", "Sonntag"))
OPTION_ROWS = 6
MAX_REASON = 200  # also the input's maxlength
MAX_ANSWER = 1500
MAX_QUESTION = 300
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SAVED = {
    "saved_now": "Gespeichert. Der Assistent antwortet ab sofort damit (ohne Training).",
    "saved_train": "Gespeichert. Neue Fragen wirken nach dem nächsten Training (Seite „Training“); "
                   "geänderte Antworttexte sofort.",
    "story_saved": "Das Gespräch ist gespeichert und geprüft. Es wirkt nach dem nächsten Training (Seite „Training“).",
}


class FormError(ValueError):
    """Input the clerk must correct (German)."""


# ------------------------------------------------------------------ parsing form fields (German errors)

def parse_date(raw: str, label: str, required: bool = True) -> Optional[dt.date]:
    raw = (raw or "").strip()
    if not raw:
        if required:
            raise FormError(f"{label}: bitte ein Datum eingeben, z. B. 12.12.2026.")
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"):
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise FormError(f"{label}: „{raw}“ ist kein Datum. Bitte so eingeben: 12.12.2026.")


def parse_ranges(raw: str, label: str) -> list[str]:
    """'9-12, 14:00-18:00' -> ['09:00-12:00', '14:00-18:00']."""
    out = []
    for part in [p.strip() for p in re.split(r"[,;]| und ", raw or "") if p.strip()]:
        m = re.fullmatch(r"(\d{1,2})(?:[:.](\d{2}))?\s*(?:-|–|bis)\s*(\d{1,2})(?:[:.](\d{2}))?(?:\s*Uhr)?", part)
        if not m:
            raise FormError(f"{label}: „{part}“ verstehe ich nicht. Bitte so: 09:00-12:00 (mehrere mit Komma).")
        text = f"{int(m.group(1)):02d}:{m.group(2) or '00'}-{int(m.group(3)):02d}:{m.group(4) or '00'}"
        tm = TIME_RANGE_RE.match(text)
        if not tm:
            raise FormError(f"{label}: „{part}“ ist keine gültige Uhrzeit.")
        if (tm.group(1), tm.group(2)) >= (tm.group(3), tm.group(4)):
            raise FormError(f"{label}: bei „{part}“ liegt das Ende nicht nach dem Beginn.")
        out.append(text)
    return out


def parse_phone(raw: str) -> str:
    raw = " ".join((raw or "").split())
    if not raw:
        raise FormError("Telefon: bitte eine Telefonnummer eingeben (Leute ohne Internet rufen an).")
    try:
        number = phonenumbers.parse(raw, "DE")
    except phonenumbers.NumberParseException:
        raise FormError(f"Telefon: „{raw}“ ist keine Telefonnummer.") from None
    if not phonenumbers.is_possible_number(number):
        raise FormError(f"Telefon: „{raw}“ hat zu wenige oder zu viele Ziffern.")
    return raw


def lines_of(raw: str) -> list[str]:
    return [" ".join(line.split()) for line in (raw or "").splitlines() if line.strip()]


# ------------------------------------------------------------------ the municipality file

async def _file(request: web.Request) -> tuple[str, str, Path]:
    """The municipality of the URL: (id, path relative to the KB, path); 404 if unknown."""
    kb_dir = state(request).settings.kb_dir
    mid = request.match_info["mid"]
    files = await blocking(kbedit.municipality_files, kb_dir)
    if mid not in files:
        raise web.HTTPNotFound(text="Diese Gemeinde gibt es nicht.")
    return mid, kbedit.rel_name(kb_dir, files[mid]), files[mid]


def kb_with(kb_dir: Path, contents: dict[str, str]) -> Optional[KnowledgeBase]:
    """The knowledge base as it would be with ``contents`` (None if invalid)."""
    with tempfile.TemporaryDirectory(prefix="kbpreview-") as tmp:
        copy = Path(tmp) / "kb"
        shutil.copytree(kb_dir, copy, ignore=shutil.ignore_patterns(".git", "*.tmp"))
        for rel, content in contents.items():
            (copy / rel).parent.mkdir(parents=True, exist_ok=True)
            (copy / rel).write_text(content, encoding="utf-8")
        try:
            return load_kb(copy)
        except KBValidationError:
            return None


def office_preview(kb: KnowledgeBase, mid: str, office_id: Optional[str], tz: ZoneInfo) -> list[tuple[str, str]]:
    """What the assistant answers to 'Wann hat ... offen?' with the edited data."""
    from assistant.answers.context import Context
    from assistant.answers.offices import opening_hours

    mun = kb.municipalities[mid]
    oid = office_id or next((o.id for o in mun.offices), None) or mun.responsible.get("buergerbuero")
    if not oid or oid not in kb.offices:
        return []
    ctx = Context(kb=kb, now=dt.datetime.now(tz), tz=tz, municipality=mid, office_id=oid)
    return [("Bürgerin", f"Wann hat {kb.offices[oid].name} offen?"), ("Assistent", opening_hours(ctx).text)]


def page_context(kb: Optional[KnowledgeBase], mid: str, edit_answer: str = "") -> dict[str, Any]:
    mun = kb.municipalities[mid] if kb else None
    answer_form = {"id": "", "questions": "", "answer": ""}
    if mun and edit_answer:
        for a in mun.local_answers:
            if a.id == edit_answer:
                answer_form = {"id": a.id, "questions": "\n".join(a.questions), "answer": a.answer}
    stories: list[str] = []
    nlu = (kb.root / "municipalities" / mid / "dialogue" / "nlu.yml") if kb is not None else None
    if nlu is not None and nlu.is_file():  # the list only; 'assistant kb check' validates on save
        try:
            data = yaml.safe_load(nlu.read_text(encoding="utf-8")) or {}
            stories = [str(i["intent"]) for i in data.get("nlu") or [] if isinstance(i, dict) and i.get("intent")]
        except yaml.YAMLError:
            stories = []
    today = dt.date.today()
    return {"mid": mid, "name": mun.name if mun else mid, "offices": list(mun.offices) if mun else [],
            "answers": list(mun.local_answers) if mun else [], "weekdays": WEEKDAYS, "answer_form": answer_form,
            "municipality_notice": next((n for n in mun.notices if n.until >= today), None) if mun else None,
            "stories": stories, "values": {}, "errors": [], "preview": [], "retrain": False}


async def _render_page(request: web.Request, mid: str, status: int = 200, **extra: Any) -> web.Response:
    from assistant.curation.staff.common import current_kb

    st = state(request)
    kb = await blocking(current_kb, st.settings.kb_dir)
    ctx = await blocking(page_context, kb, mid, request.query.get("ortsinfo", ""))
    ctx.update(extra)
    notices = list(ctx.pop("notices", []))
    code = request.query.get("m", "")
    if code in SAVED:
        notices.append(("ok", SAVED[code]))
    if kb is None:
        notices.append(("error", "Die Wissensbasis hat gerade Fehler; bitte im YAML-Editor prüfen."))
    return render(request, "forms/municipality.html", status, title=f"{ctx['name']}: Daten bearbeiten",
                  active="forms", notices=notices, **ctx)


# ------------------------------------------------------------------ handlers

@staff_only()
async def forms_index(request: web.Request) -> web.StreamResponse:
    from assistant.curation.staff.common import current_kb

    st = state(request)
    kb = await blocking(current_kb, st.settings.kb_dir)
    files = await blocking(kbedit.municipality_files, st.settings.kb_dir)
    muns = [(mid, kb.municipalities[mid].name if kb and mid in kb.municipalities else mid) for mid in files]
    return render(request, "forms/index.html", title="Daten bearbeiten (Formulare)", active="forms",
                  municipalities=muns)


@staff_only()
async def municipality_page(request: web.Request) -> web.StreamResponse:
    mid, _, _ = await _file(request)
    return await _render_page(request, mid)


async def _apply(request: web.Request, edit, preview_office: Optional[str], retrain: bool,
                 preview_lines: Optional[list[tuple[str, str]]] = None,
                 values: Optional[dict[str, str]] = None) -> web.StreamResponse:
    """Apply ``edit(text) -> new text``, then preview or validate and save."""
    st = state(request)
    mid, rel, path = await _file(request)
    form = form_of(request)
    old = await blocking(path.read_text, "utf-8")
    try:
        new = await blocking(edit, old)
    except (FormError, yaml_edit.EditError) as exc:
        return await _render_page(request, mid, 422, errors=[str(exc)], values=values or {})
    if form.get("step") == "preview":
        kb = await blocking(kb_with, st.settings.kb_dir, {rel: new})
        if kb is None:
            problems = await blocking(kbedit.validate, st.settings.kb_dir, rel, new)
            return await _render_page(request, mid, 422, errors=[str(p) for p in problems], values=values or {})
        lines = preview_lines if preview_lines is not None else office_preview(kb, mid, preview_office, st.tz)
        return await _render_page(request, mid, preview=lines, retrain=retrain, values=values or {},
                                  notices=[("ok", "Vorschau – noch nicht gespeichert.")])
    result = await blocking(kbedit.save, st.sm, st.settings.kb_dir, rel, new, ctx_of(request).username,
                            kbedit.digest(old), st.settings.effective_database_url)
    if not result.ok:
        errors = [str(p) for p in result.problems] or [result.message]
        return await _render_page(request, mid, 422, errors=errors, values=values or {})
    anchor = f"#amt-{preview_office}" if preview_office else "#gemeinde-hinweis"
    raise web.HTTPSeeOther(f"/staff/forms/{mid}?m={'saved_train' if retrain else 'saved_now'}{anchor}")


@staff_only()
async def closure_add(request: web.Request) -> web.StreamResponse:
    form = form_of(request)
    office = str(form.get("office") or "")
    values = {f"{k}:{office}": str(form.get(k) or "") for k in ("date", "until", "reason")}

    def edit(text: str) -> str:
        start = parse_date(str(form.get("date") or ""), "Geschlossen am")
        until = parse_date(str(form.get("until") or ""), "Bis", required=False)
        if until and start and until < start:
            raise FormError("Bis: das Enddatum liegt vor dem Anfangsdatum.")
        if start and start < dt.date.today():
            raise FormError("Geschlossen am: das Datum liegt in der Vergangenheit.")
        reason = " ".join(str(form.get("reason") or "").split())
        if len(reason) < 3:
            raise FormError("Grund: bitte kurz angeben, warum geschlossen ist (z. B. „Krankheit“).")
        if len(reason) > MAX_REASON:
            raise FormError(f"Grund: bitte kürzer fassen (höchstens {MAX_REASON} Zeichen, jetzt {len(reason)}).")
        return yaml_edit.add_closure(text, office, start, until, reason)

    return await _apply(request, edit, office, False, values=values)


@staff_only()
async def closure_delete(request: web.Request) -> web.StreamResponse:
    form = form_of(request)
    office = str(form.get("office") or "")
    try:
        index = int(str(form.get("index") or "-1"))
    except ValueError:
        index = -1
    return await _apply(request, lambda text: yaml_edit.remove_closure(text, office, index), office, False)


@staff_only()
async def hours_set(request: web.Request) -> web.StreamResponse:
    form = form_of(request)
    office = str(form.get("office") or "")

    values = {f"{day}:{office}": str(form.get(day) or "") for day, _ in WEEKDAYS}

    def edit(text: str) -> str:
        weekly = {day: parse_ranges(str(form.get(day) or ""), label) for day, label in WEEKDAYS}
        return yaml_edit.set_weekly_hours(text, office, weekly)

    return await _apply(request, edit, office, False, values=values)


@staff_only()
async def contact_set(request: web.Request) -> web.StreamResponse:
    form = form_of(request)
    office = str(form.get("office") or "")

    def edit(text: str) -> str:
        phone = parse_phone(str(form.get("phone") or ""))
        email = str(form.get("email") or "").strip()
        if email and not EMAIL_RE.match(email):
            raise FormError(f"E-Mail: „{email}“ ist keine E-Mail-Adresse.")
        street = " ".join(str(form.get("street") or "").split())
        postcode = str(form.get("postcode") or "").strip()
        city = " ".join(str(form.get("city") or "").split())
        if len(street) < 3:
            raise FormError("Straße und Hausnummer: bitte angeben.")
        if not re.fullmatch(r"\d{5}", postcode):
            raise FormError("Postleitzahl: bitte fünf Ziffern eingeben.")
        if len(city) < 2:
            raise FormError("Ort: bitte angeben.")
        return yaml_edit.set_contact(text, office, phone, email, street, postcode, city)

    values = {f"{k}:{office}": str(form.get(k) or "") for k in ("phone", "email", "street", "postcode", "city")}
    return await _apply(request, edit, office, False, values=values)


@staff_only()
async def notice_set(request: web.Request) -> web.StreamResponse:
    form = form_of(request)
    office = str(form.get("office") or "") or None
    text_in = " ".join(str(form.get("text") or "").split())
    values = {"notice:": text_in, "until:": str(form.get("until") or "")} if office is None else \
        {f"notice:{office}": text_in, f"notice-until:{office}": str(form.get("until") or "")}

    def edit(text: str) -> str:
        until = None
        if text_in:
            if len(text_in) < 5:
                raise FormError("Hinweis: bitte in einem kurzen Satz (mindestens 5 Zeichen).")
            until = parse_date(str(form.get("until") or ""), "Gilt bis")
            if until and until < dt.date.today():
                raise FormError("Gilt bis: das Datum liegt in der Vergangenheit.")
        return yaml_edit.set_notice(text, office, text_in, until)

    return await _apply(request, edit, office, False, values=values)


@staff_only()
async def answer_set(request: web.Request) -> web.StreamResponse:
    form = form_of(request)
    questions = lines_of(str(form.get("questions") or ""))
    answer = " ".join(str(form.get("answer") or "").split())
    answer_id = str(form.get("id") or "").strip()
    if not answer_id and questions:
        answer_id = re.sub(r"[^a-z0-9]+", "_", questions[0].lower().translate(
            str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}))).strip("_")[:40] or "ortsinfo"

    def edit(text: str) -> str:
        if not re.match(SLUG_RE, answer_id):
            raise FormError("Kurzname: nur Kleinbuchstaben, Ziffern und _ (ohne Umlaute), z. B. „wertstoffhof“.")
        if len(questions) < 3:
            raise FormError(f"Beispielfragen: bitte mindestens 3 (eine je Zeile); jetzt sind es {len(questions)}.")
        if len(answer) < 10:
            raise FormError("Antwort: bitte mindestens einen ganzen Satz.")
        if len(answer) > MAX_ANSWER:
            raise FormError(f"Antwort: bitte kürzer fassen (höchstens {MAX_ANSWER} Zeichen, jetzt {len(answer)}); "
                            "lange Texte lesen sich im Chat und am Telefon schlecht.")
        too_long = [q for q in questions if len(q) > MAX_QUESTION]
        if too_long:
            raise FormError(f"Beispielfragen: „{too_long[0][:40]}…“ ist zu lang (höchstens {MAX_QUESTION} Zeichen).")
        return yaml_edit.upsert_local_answer(text, answer_id, questions, answer)

    lines = [("Bürgerin", questions[0] if questions else ""), ("Assistent", answer)]
    values = {"answer-id:": str(form.get("id") or ""), "answer-questions:": str(form.get("questions") or ""),
              "answer-text:": str(form.get("answer") or "")}
    return await _apply(request, edit, None, True, preview_lines=lines, values=values)


def _story_from(form: Any) -> tuple[story_form.StoryForm, dict[str, Any]]:
    options, raw = [], []
    for i in range(OPTION_ROWS):
        label = " ".join(str(form.get(f"option_{i}") or "").split())
        answer = " ".join(str(form.get(f"answer_{i}") or "").split())
        raw.append((label, answer))
        if label or answer:
            options.append(story_form.Option(label or f"Auswahl {i + 1}", answer))
    sf = story_form.StoryForm(topic=str(form.get("topic") or "").strip(),
                              questions=lines_of(str(form.get("questions") or "")),
                              ask_back=" ".join(str(form.get("ask_back") or "").split()), options=options)
    shown = {"topic": sf.topic, "questions": str(form.get("questions") or ""), "ask_back": sf.ask_back,
             "options": [r for r in raw if r[0] or r[1]]}
    return sf, shown


async def _render_story(request: web.Request, mid: str, name: str, status: int = 200, **extra: Any) -> web.Response:
    ctx = {"mid": mid, "name": name, "errors": [], "preview": [], "option_rows": OPTION_ROWS,
           "form": {"topic": "", "questions": "", "ask_back": "", "options": []}}
    ctx.update(extra)
    return render(request, "forms/story.html", status, title=f"{name}: neues örtliches Gespräch", active="forms", **ctx)


@staff_only()
async def story_page(request: web.Request) -> web.StreamResponse:
    from assistant.curation.staff.common import current_kb

    mid, _, _ = await _file(request)
    kb = await blocking(current_kb, state(request).settings.kb_dir)
    return await _render_story(request, mid, kb.municipalities[mid].name if kb else mid)


@staff_only()
async def story_save(request: web.Request) -> web.StreamResponse:
    from assistant.curation.staff.common import current_kb

    st = state(request)
    mid, _, _ = await _file(request)
    kb = await blocking(current_kb, st.settings.kb_dir)
    name = kb.municipalities[mid].name if kb else mid
    form = form_of(request)
    sf, shown = _story_from(form)
    errors = sf.errors()
    if errors:
        return await _render_story(request, mid, name, 422, errors=errors, form=shown)
    try:
        contents = await blocking(story_form.story_files, st.settings.kb_dir, mid, sf)
    except yaml_edit.EditError as exc:
        return await _render_story(request, mid, name, 422, errors=[str(exc)], form=shown)
    if form.get("step") == "preview":
        problems = await blocking(kbedit.validate_many, st.settings.kb_dir, contents)
        if problems:
            return await _render_story(request, mid, name, 422, errors=[str(p) for p in problems], form=shown)
        return await _render_story(request, mid, name, preview=story_form.preview(sf), form=shown)
    result = await blocking(kbedit.save_many, st.sm, st.settings.kb_dir, contents, ctx_of(request).username,
                            st.settings.effective_database_url)
    if not result.ok:
        return await _render_story(request, mid, name, 422, errors=[str(p) for p in result.problems] or [result.message],
                                   form=shown)
    raise web.HTTPSeeOther(f"/staff/forms/{mid}?m=story_saved#gespraeche")


def add_routes(r: web.UrlDispatcher) -> None:
    mid = r"{mid:[a-z][a-z0-9_]*}"
    r.add_get("/forms", forms_index)
    r.add_get(f"/forms/{mid}", municipality_page)
    r.add_post(f"/forms/{mid}/closure", closure_add)
    r.add_post(f"/forms/{mid}/closure/delete", closure_delete)
    r.add_post(f"/forms/{mid}/hours", hours_set)
    r.add_post(f"/forms/{mid}/contact", contact_set)
    r.add_post(f"/forms/{mid}/notice", notice_set)
    r.add_post(f"/forms/{mid}/answer", answer_set)
    r.add_get(f"/forms/{mid}/story", story_page)
    r.add_post(f"/forms/{mid}/story", story_save)
