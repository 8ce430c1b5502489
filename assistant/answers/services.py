"""Answers about one service: documents, procedure, fees, online."""
from __future__ import annotations

import re
from typing import Optional

from assistant import formatting
from assistant.answers.context import Context
from assistant.answers.reply import Button, LinkButton, Reply, bullets, first_sentence, fit, payload
from assistant.kb import conditions
from assistant.kb.schema import Fee

IDENT_WORDS = {
    "none": "keine besondere Anmeldung",
    "bundid": "ein BundID-Konto (kostenlos, Anmeldung mit Online-Ausweis oder ELSTER-Zertifikat)",
    "eid": "Ihren Personalausweis mit Online-Funktion, die 6-stellige PIN und ein Smartphone mit der AusweisApp",
    "elster": "ein ELSTER-Zertifikat (wie bei der Steuererklärung)",
    "video_ident": "eine Video-Identifizierung mit Ausweis und Kamera",
}
MAX_LIST = 5
MAX_CONDITIONAL = 3


def next_step_buttons(ctx: Context, exclude: str) -> list:
    slug = ctx.service
    buttons = []
    if exclude != "documents":
        buttons.append(Button("Welche Unterlagen?", payload("ask_documents", service=slug)))
    if exclude != "online":
        buttons.append(Button("Geht das online?", payload("ask_online", service=slug)))
    if exclude != "fees":
        buttons.append(Button("Was kostet das?", payload("ask_fees", service=slug)))
    if exclude != "office":
        buttons.append(Button("Wo ist das Amt?", payload("ask_office", service=slug)))
    buttons.append(Button("Termin buchen", payload("book_appointment", service=slug)))
    return buttons[:4]


def documents_general(ctx: Context) -> Reply:
    """The general list: always needed first, then 'nur wenn ...' items."""
    eff = ctx.eff()
    situations = eff.service.situations
    always = [d for d in eff.documents if not d.when]
    conditional = [d for d in eff.documents if d.when]
    lines = [f"{eff.service.short_name} – das brauchen Sie:"]
    lines += [f"• {d.name}" for d in always[:MAX_LIST]] or ["• keine besonderen Unterlagen"]
    hidden = max(0, len(always) - MAX_LIST)
    if conditional:
        from assistant.checklist.engine import describe

        lines.append("Nur wenn es auf Sie zutrifft:")
        shown = conditional[:MAX_CONDITIONAL]
        lines += [f"• {d.name} – nur wenn {describe(conditions.parse(d.when or ''), situations)}" for d in shown]
        hidden += len(conditional) - len(shown)
    kept = fit(lines, 64)
    hidden += sum(1 for line in lines[len(kept):] if line.startswith("•"))
    lines = kept
    if hidden:
        lines.append(f"… und {hidden} weitere – tippen Sie auf „Meine persönliche Liste“.")
    lines.extend(first_sentence(n) for n in eff.notes[:1])
    buttons = []
    if situations:
        buttons.append(Button("Meine persönliche Liste", payload("ask_documents", service=eff.slug, option="checklist")))
    buttons += next_step_buttons(ctx, "documents")[:3]
    return Reply("utter_documents", "\n".join(lines), buttons)


def _doc_line(doc) -> str:
    return f"{doc.name} ({doc.note})" if doc.note and len(doc.note) <= 60 else doc.name


def howto(ctx: Context) -> Reply:
    eff = ctx.eff()
    svc = eff.service
    lines = [first_sentence(svc.summary, 30)]
    if svc.deadline:
        lines.append(f"Frist: {first_sentence(svc.deadline.text, 15)}")
    if svc.steps:
        lines.append("So geht es:")
        lines.extend(f"{i}. {first_sentence(step, 14)}" for i, step in enumerate(svc.steps[:5], 1))
    return Reply("utter_howto", "\n".join(fit(lines)), next_step_buttons(ctx, "howto"))


def fee_text(fee: Fee) -> str:
    if fee.amount is not None:
        amount = "kostenlos" if fee.amount == 0 else formatting.money(fee.amount)
    else:
        amount = formatting.money_range(fee.amount_min or 0, fee.amount_max or 0)
    return f"{fee.label}: {amount}"


def fees(ctx: Context) -> Reply:
    eff = ctx.eff()
    if not eff.fees:
        return Reply("utter_no_information",
                     f"{eff.service.short_name}: Zu den Kosten habe ich keine verlässliche Information. "
                     + _ask_office_hint(ctx), next_step_buttons(ctx, "fees"))
    where = f" in {ctx.municipality_name}" if eff.local_fees and ctx.municipality_name else ""
    lines = [f"{eff.service.short_name}{where} – Kosten:"]
    lines.append(bullets([fee_text(f) for f in eff.fees[:5]]))
    bases = sorted({f.legal_basis for f in eff.fees if f.legal_basis})
    if bases:
        lines.append(f"Rechtsgrundlage: {'; '.join(bases[:2])}")
    notes = [f.note for f in eff.fees if f.note]
    if notes:
        lines.append(first_sentence(notes[0]))
    return Reply("utter_fees", "\n".join(fit(lines)), next_step_buttons(ctx, "fees"))


AGE_KEY_RE = re.compile(r"^(under|over|from)_(\d{1,3})$")


def age_answers(eff, age: int) -> dict[str, Optional[bool]]:
    """Situation answers implied by an age ("ich bin 45": under_24 no, under_16 no)."""
    out: dict[str, Optional[bool]] = {}
    for key in eff.service.situations:
        m = AGE_KEY_RE.match(key)
        if m:
            limit = int(m.group(2))
            out[key] = age < limit if m.group(1) == "under" else age >= limit
    return out


def fees_for_age(ctx: Context, age: int) -> Optional[Reply]:
    """The fees that apply at ``age`` (None if the service's fees do not depend on age)."""
    eff = ctx.eff()
    answers = age_answers(eff, age)
    if not answers or not eff.fees:
        return None
    picked = []
    for fee in eff.fees:
        if not fee.when:
            continue
        expr = conditions.parse(fee.when)
        if not conditions.variables(expr) <= set(answers):
            continue  # only the fees that the age decides (not "Versand", "Express")
        if conditions.evaluate(expr, answers) is True:
            picked.append(fee)
    if not picked:
        return None
    return Reply("utter_fees", f"{eff.service.short_name} mit {age} Jahren: "
                 + "; ".join(fee_text(f) for f in picked) + ".", next_step_buttons(ctx, "fees"))


def _ask_office_hint(ctx: Context) -> str:
    office = ctx.office()
    if office:
        return f"Bitte fragen Sie dort nach: {office.name}, Telefon {office.phone}."
    return "Die Behördennummer 115 hilft weiter."


_BY_POST = re.compile(r"\b(per Post|per Brief|per E-Mail|formlos\w* Brief|Brief schicken)\b")


def _by_post_sentence(eff) -> str:
    """A sentence of the service's (or the municipality's) own text saying it also goes by letter or
    e-mail, so "geht das online?" answered "no" still tells a resident without a car that they need
    not come."""
    from assistant.answers.reply import sentences

    texts = [eff.online.reason_not_online or "", *eff.notes, *(getattr(eff.service, "steps", None) or [])]
    for text in texts:
        for sentence in sentences(text):
            if _BY_POST.search(sentence):
                return sentence
    return ""


def online(ctx: Context) -> Reply:
    """Online hand-off: button to the service + what to have ready, or honestly why not."""
    eff = ctx.eff()
    on = eff.online
    svc = eff.service
    if not on.available and on.without_visit and not svc.personal_appearance:
        # not online, but no trip needed either (certificates by letter or e-mail): say so first
        office = ctx.office()
        text = (f"{svc.short_name}: Sie müssen nicht hingehen. {first_sentence(on.without_visit, 45)} "
                f"Einen Online-Antrag gibt es dafür nicht überall.")
        if office:
            contact = f"{office.name}, {office.address.street}, {office.address.postcode} {office.address.city}"
            text += f"\nAnschrift: {contact}" + (f", E-Mail: {office.email}" if office.email else "") + "."
        return Reply("utter_not_online", text, [
            Button("Welche Angaben?", payload("ask_documents", service=svc.slug)),
            Button("Was kostet das?", payload("ask_fees", service=svc.slug)),
            Button("Lieber Termin im Amt", payload("book_appointment", service=svc.slug)),
        ])
    if not on.available:
        text = f"{svc.short_name}: Das geht leider nicht online. {first_sentence(on.reason_not_online or '', 25)}"
        if on.without_visit:
            text += f" {first_sentence(on.without_visit, 25)}"
        else:
            by_post = _by_post_sentence(eff)
            if by_post and by_post not in text:
                text += f" {by_post}"
        if svc.personal_appearance:
            text += " Sie müssen persönlich ins Amt."
        text += " Soll ich Ihnen einen Termin buchen?"
        return Reply("utter_not_online", text, [
            Button("Ja, Termin buchen", payload("book_appointment", service=svc.slug)),
            Button("Welche Unterlagen?", payload("ask_documents", service=svc.slug)),
        ])
    lines = [f"{svc.short_name}: Ja, das geht online. {first_sentence(on.what or '', 20)}".strip()]
    idents = [i for i in on.identification if i != "none"]
    if idents:
        joiner = " und " if on.all_identification else " oder "
        lines.append("Sie brauchen dafür " + joiner.join(IDENT_WORDS[i] for i in idents) + ".")
        if on.not_for:
            lines.append("Nicht online geht es für " + ", ".join(on.not_for[:-1])
                         + (" und " if len(on.not_for) > 1 else "") + on.not_for[-1] + ": dann bitte ins Amt.")
        if "eid" in idents or "bundid" in idents:
            lines.append("Tipp: Die Online-Funktion ist in jedem neuen Personalausweis. Die PIN kam per Brief; "
                         "haben Sie sie nicht mehr, hilft das Bürgerbüro.")
    else:
        lines.append("Sie brauchen dafür keine besondere Anmeldung.")
    if on.uploads:
        lines.append("Halten Sie bereit: " + ", ".join(on.uploads[:4]) + ".")

    buttons: list = []
    if on.url:
        buttons.append(LinkButton("Online-Antrag öffnen", on.url))
    else:
        lines.append("Den Link zum Online-Antrag Ihrer Gemeinde habe ich leider nicht; fragen Sie im Bürgerbüro.")
    buttons.append(Button("Lieber Termin im Amt", payload("book_appointment", service=svc.slug)))
    return Reply("utter_online", "\n".join(fit(lines)), buttons)
