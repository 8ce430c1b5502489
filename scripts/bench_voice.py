#!/usr/bin/env python
"""Benchmark the offline voice round trip: German question → TTS → OGG/Opus → speech-to-text.

For each of the citizen questions below (place names, service names, numbers and times) the
script synthesises speech with the configured engine (Pico, else eSpeak NG), encodes it as a
Telegram-style OGG/Opus voice note, transcribes it with the county vocabulary and compares.

Prints: word error rate (raw Whisper and after post-correction), share of service/place terms
that survive intact, seconds per note (decode + transcribe, wall clock and CPU) median/p95, TTS
milliseconds per sentence median/p95, OGG encoding ms, model load time, peak RSS and the machine's
load average (wall-clock figures mean little on a busy machine).

A second, much more robotic voice (eSpeak NG) with added pink noise (sox, fixed seed) shows how
robust recognition is beyond the project's own voice (``--voices pico,espeak-noise``, the
default). With ``--rasa URL`` every transcript also goes through Rasa's /model/parse and is
compared with the parse of the written sentence (intent and service the same?).

Usage: .venv/app/bin/python scripts/bench_voice.py [--format ogg|wav] [--limit N] [--voices LIST]
       [--snr DB] [--rasa URL] [--json] [--verbose]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant.voice import stt, tts  # noqa: E402
from assistant.voice.normalize import normalize_for_speech  # noqa: E402
from assistant.voice.audio import PcmAudio, read_wav  # noqa: E402
from assistant.voice.correction import WEEKDAYS  # noqa: E402
from assistant.voice.vocabulary import OFFICES, PLACES, SERVICES, default_terms  # noqa: E402

QUESTIONS: tuple[str, ...] = (
    "Ich brauche einen neuen Personalausweis. Wann hat das Bürgerbüro in Musterstadt geöffnet?",
    "Was kostet ein Führungszeugnis?",
    "Wie melde ich meinen Hund an und wie hoch ist die Hundesteuer in Kleinwalde?",
    "Ich bin nach Eichenbrück gezogen. Wo mache ich die Ummeldung?",
    "Kommt das Bürgermobil auch nach Auental?",
    "Ich möchte einen Termin für die Kfz-Zulassung am Dienstag um 9 Uhr.",
    "Wie kann ich Sperrmüll in Kleinwalde anmelden?",
    "Wann ist das Bürgermobil am Donnerstag in Eichenbrück?",
    "Mein Personalausweis ist abgelaufen. Was muss ich mitbringen?",
    "Kann ich das Führungszeugnis auch online beantragen?",
    "Ich habe zwei Hunde. Wie viel Hundesteuer muss ich zahlen?",
    "Brauche ich für die Ummeldung einen Termin?",
    "Wo ist die Zulassungsstelle für die Kfz-Zulassung?",
    "Wie oft wird der Sperrmüll in Auental abgeholt?",
    "Hat das Bürgerbüro in Musterstadt am Samstag geöffnet?",
    "Ich brauche einen Reisepass für meine Tochter. Sie ist 8 Jahre alt.",
    "Was kostet die Ummeldung, wenn ich von Kleinwalde nach Musterstadt ziehe?",
    "Gibt es einen Termin am Montag zwischen 8 und 12 Uhr?",
    "Kann mein Sohn den Personalausweis für mich abholen?",
    "Wie lange dauert es, bis das Führungszeugnis da ist?",
    "Ich möchte meinen Hund abmelden, er ist leider gestorben.",
    "Wo bekomme ich eine Meldebescheinigung in Eichenbrück?",
    "Das Bürgermobil soll nächste Woche nach Auental kommen. Stimmt das?",
    "Welche Unterlagen brauche ich für die Kfz-Zulassung eines Gebrauchtwagens?",
    "Ich möchte eine Waschmaschine und einen alten Schrank zum Sperrmüll geben.",
    "Um wie viel Uhr schließt das Bürgerbüro am Freitag?",
    "Ich habe meinen Personalausweis verloren. Was soll ich tun?",
    "Meine Mutter ist 85 und kann nicht mehr laufen. Kann das Bürgermobil zu ihr nach Kleinwalde kommen?",
    "Muss ich die Hundesteuer jedes Jahr bezahlen?",
    "Wie beantrage ich die Briefwahl für die Wahl im September?",
    "Ich ziehe am 1. März nach Musterstadt. Wann muss ich die Ummeldung machen?",
    "Brauche ich für das Führungszeugnis meinen Personalausweis?",
    "Gibt es in Eichenbrück auch eine Sprechstunde vom Bürgermobil?",
    "Kann ich die Kfz-Zulassung auch am Nachmittag um 14:30 Uhr machen?",
    "Wie viel kostet der Sperrmüll für drei Kubikmeter?",
    "Ich möchte einen Termin am Mittwoch um halb zehn im Bürgerbüro Kleinwalde.",
    "Wo finde ich das Formular für die Hundesteuer?",
    "Ich wohne in Auental und brauche ein neues Führungszeugnis für meinen Arbeitgeber.",
    "Wann kann ich meinen neuen Personalausweis abholen?",
    "Ich habe ein neues Auto gekauft und brauche die Kfz-Zulassung bis Freitag.",
    "Wie lange ist das Bürgerbüro in Musterstadt am Dienstag geöffnet?",
    "Meine Frau und ich ziehen nach Kleinwalde. Können wir die Ummeldung zusammen machen?",
    "Kostet die Abholung vom Sperrmüll in Musterstadt etwas?",
    "Kommt das Bürgermobil am 15. Mai nach Eichenbrück?",
    "Ich brauche eine Geburtsurkunde für mein Kind. Wo bekomme ich die?",
    "Kann ich meinen Reisepass und den Personalausweis gleichzeitig beantragen?",
)
KEY_TERMS: tuple[str, ...] = (*SERVICES, *PLACES, *OFFICES, *WEEKDAYS)
VOICES = ("pico", "espeak-noise")


def comparable_words(text: str) -> list[str]:
    """Words for WER: numbers spoken out (both sides alike), lower case, no punctuation or hyphens."""
    spoken = normalize_for_speech(text).lower().replace("-", "")
    return re.findall(r"[^\W_]+", spoken)


def word_edits(ref: Sequence[str], hyp: Sequence[str]) -> int:
    """Word-level edit distance."""
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1]


def terms_in(text: str) -> list[str]:
    """Key terms (services, places, offices) spelled exactly in ``text`` (case-insensitive)."""
    lowered = text.lower()
    return [t for t in KEY_TERMS if re.search(rf"(?<!\w){re.escape(t.lower())}(?!\w)", lowered)]


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, int(round(share * len(ordered) + 0.5)) - 1))
    return ordered[index]


def add_noise(pcm: PcmAudio, snr_db: float) -> PcmAudio:
    """Mix pink noise (sox, repeatable seed) into ``pcm`` at ``snr_db`` below the speech level."""
    import subprocess
    import tempfile

    import numpy as np

    speech = pcm.samples.astype(np.float64)
    rms = float(np.sqrt(np.mean(speech ** 2))) or 1.0
    with tempfile.TemporaryDirectory(prefix="bench-noise-") as tmp:
        noise_path = Path(tmp) / "noise.wav"
        subprocess.run(["sox", "-R", "-n", "-r", str(pcm.sample_rate), "-c", "1", "-b", "16", str(noise_path),
                        "synth", f"{pcm.duration:.3f}", "pinknoise"], check=True, capture_output=True)
        noise = read_wav(noise_path.read_bytes()).samples.astype(np.float64)
    noise = np.resize(noise, speech.shape)
    noise *= rms / (float(np.sqrt(np.mean(noise ** 2))) or 1.0) / (10 ** (snr_db / 20))
    mixed = np.clip(speech + noise, -32768, 32767).astype(np.int16)
    return PcmAudio(mixed, pcm.sample_rate)


def engine_for(voice: str) -> "tts.Engine":
    import shutil

    if voice == "pico":
        return tts.Engine("pico", shutil.which(tts.PICO_BINARY) or tts.PICO_BINARY)
    return tts.Engine("espeak-ng", shutil.which(tts.ESPEAK_BINARY) or tts.ESPEAK_BINARY)


def parse(url: str, text: str) -> tuple[str, str | None]:
    """(intent, first service) from Rasa's /model/parse."""
    import urllib.request

    req = urllib.request.Request(f"{url}/model/parse", data=json.dumps({"text": text}).encode(),
                                 headers={"Content-Type": "application/json"})
    result = json.loads(urllib.request.urlopen(req, timeout=60).read())
    services = [e["value"] for e in result.get("entities", []) if e.get("entity") == "service"]
    return result["intent"]["name"], (services[0] if services else None)


def run(fmt: str, limit: int | None, verbose: bool, voice: str = "pico", snr_db: float = 20.0,
        rasa_url: str | None = None) -> dict[str, Any]:
    """Run the benchmark for one voice and return the figures."""
    questions = QUESTIONS[:limit] if limit else QUESTIONS
    vocabulary = default_terms()
    try:
        from assistant.voice.kb_terms import default_kb_terms

        vocabulary = list(default_kb_terms())  # as the web server and the bridge do
    except Exception:  # noqa: BLE001 - the built-in list is the documented fallback
        pass
    engine = engine_for(voice)
    noisy = voice.endswith("-noise")
    started = time.perf_counter()
    stt.get_model()
    load_seconds = time.perf_counter() - started

    tts_ms: list[float] = []
    encode_ms: list[float] = []
    stt_seconds: list[float] = []
    stt_cpu_seconds: list[float] = []
    audio_seconds: list[float] = []
    edits_raw = edits_fixed = ref_words = 0
    terms_total = terms_raw = terms_fixed = 0
    misses: list[dict[str, str]] = []
    nlu_total = nlu_intent_raw = nlu_intent = nlu_service_raw = nlu_service = 0
    for question in questions:
        t0 = time.perf_counter()
        pcm = tts.synthesize_pcm(question, engine=engine)
        if noisy:
            pcm = add_noise(pcm, snr_db)
        t1 = time.perf_counter()
        data = tts.encode(pcm, fmt)  # type: ignore[arg-type]
        t2, cpu2 = time.perf_counter(), time.process_time()
        transcript = stt.transcribe_bytes(data, vocabulary)
        t3, cpu3 = time.perf_counter(), time.process_time()
        stt_cpu_seconds.append(cpu3 - cpu2)
        tts_ms.append((t1 - t0) * 1000)
        encode_ms.append((t2 - t1) * 1000)
        stt_seconds.append(t3 - t2)
        audio_seconds.append(pcm.duration)

        ref = comparable_words(question)
        ref_words += len(ref)
        edits_raw += word_edits(ref, comparable_words(transcript.raw_text))
        edits_fixed += word_edits(ref, comparable_words(transcript.text))
        expected = terms_in(question)
        terms_total += len(expected)
        got_raw, got_fixed = set(terms_in(transcript.raw_text)), set(terms_in(transcript.text))
        terms_raw += sum(t in got_raw for t in expected)
        terms_fixed += sum(t in got_fixed for t in expected)
        if comparable_words(question) != comparable_words(transcript.text) or transcript.text != transcript.raw_text:
            misses.append({"ref": question, "raw": transcript.raw_text, "fixed": transcript.text})
        if rasa_url:
            truth = parse(rasa_url, question)
            raw, fixed = parse(rasa_url, transcript.raw_text), parse(rasa_url, transcript.text)
            nlu_total += 1
            nlu_intent_raw += raw[0] == truth[0]
            nlu_intent += fixed[0] == truth[0]
            nlu_service_raw += raw[1] == truth[1]
            nlu_service += fixed[1] == truth[1]
        if verbose:
            print(f"[{t3 - t2:4.2f}s] {question}\n        → {transcript.text}", file=sys.stderr)

    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    def share(a: int) -> float | None:
        return round(100 * a / nlu_total, 1) if nlu_total else None

    return {
        "voice": voice + (f" (SNR {snr_db:g} dB)" if noisy else ""),
        "notes": len(questions),
        "engine": engine.name,
        "nlu_intent_same_raw_percent": share(nlu_intent_raw),
        "nlu_intent_same_percent": share(nlu_intent),
        "nlu_service_same_raw_percent": share(nlu_service_raw),
        "nlu_service_same_percent": share(nlu_service),
        "format": fmt,
        "wer_raw_percent": round(100 * edits_raw / ref_words, 2),
        "wer_percent": round(100 * edits_fixed / ref_words, 2),
        "terms_total": terms_total,
        "terms_intact_raw_percent": round(100 * terms_raw / terms_total, 1),
        "terms_intact_percent": round(100 * terms_fixed / terms_total, 1),
        "stt_seconds_median": round(statistics.median(stt_seconds), 2),
        "stt_seconds_p95": round(percentile(stt_seconds, 0.95), 2),
        "stt_seconds_max": round(max(stt_seconds), 2),
        "stt_cpu_seconds_median": round(statistics.median(stt_cpu_seconds), 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "audio_seconds_median": round(statistics.median(audio_seconds), 2),
        "tts_ms_median": round(statistics.median(tts_ms), 1),
        "tts_ms_p95": round(percentile(tts_ms, 0.95), 1),
        "encode_ms_median": round(statistics.median(encode_ms), 1),
        "model_load_seconds": round(load_seconds, 2),
        "peak_rss_mb": round(peak_rss_mb, 1),
        "differences": misses,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--format", choices=("ogg", "wav"), default="ogg", help="container sent to STT (default ogg)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--voices", default=",".join(VOICES), help=f"comma-separated, of {', '.join(VOICES)}, espeak")
    parser.add_argument("--snr", type=float, default=20.0, help="signal-to-noise ratio of the noisy voice in dB")
    parser.add_argument("--rasa", default=None, help="Rasa URL: also compare intent and service after transcription")
    parser.add_argument("--json", action="store_true", help="print all figures as JSON")
    parser.add_argument("--verbose", action="store_true", help="print every transcript")
    parser.add_argument("--quiet", action="store_true", help="figures only, no list of differences")
    args = parser.parse_args(argv)
    results = [run(args.format, args.limit, args.verbose, voice, args.snr, args.rasa)
               for voice in args.voices.split(",")]
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0
    for result in results:
        if args.quiet:
            result = dict(result, differences=[])
        print_result(result)
    return 0


def print_result(result: dict[str, Any]) -> None:
    print(f"== voice {result['voice']}: {result['notes']} notes ({result['engine']} → {result['format']} → whisper-base int8)")
    print(f"WER: {result['wer_percent']} % (raw Whisper {result['wer_raw_percent']} %)")
    print(
        f"terms intact: {result['terms_intact_percent']} % of {result['terms_total']} "
        f"(raw Whisper {result['terms_intact_raw_percent']} %)"
    )
    if result["nlu_intent_same_percent"] is not None:
        print(f"after transcription, same as the written sentence: intent {result['nlu_intent_same_percent']} % "
              f"(raw {result['nlu_intent_same_raw_percent']} %), service {result['nlu_service_same_percent']} % "
              f"(raw {result['nlu_service_same_raw_percent']} %)")
    print(
        f"STT seconds per note: median {result['stt_seconds_median']}, p95 {result['stt_seconds_p95']}, "
        f"max {result['stt_seconds_max']} (audio median {result['audio_seconds_median']} s); "
        f"CPU seconds per note median {result['stt_cpu_seconds_median']}"
    )
    print(f"TTS ms per sentence: median {result['tts_ms_median']}, p95 {result['tts_ms_p95']}; "
          f"OGG encode median {result['encode_ms_median']} ms")
    print(f"model load: {result['model_load_seconds']} s; peak RSS: {result['peak_rss_mb']} MB; "
          f"machine load average at the end: {result['load_average_1min']}")
    if result["differences"]:
        print("differences (reference | raw | corrected):")
        for diff in result["differences"]:
            print(f"  {diff['ref']}\n    raw:   {diff['raw']}\n    fixed: {diff['fixed']}")


if __name__ == "__main__":
    sys.exit(main())
