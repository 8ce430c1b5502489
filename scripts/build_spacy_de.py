"""Build, package and print the path of the blank German spaCy pipeline (Rasa environment).

spacy.blank("de") + lookup lemmatizer (tables from spacy-lookups-data, serialised into the
pipeline so nothing is needed at run time). Packaged as the pip package ``de_buergerassistent_blank``
so Rasa's SpacyNLP loads it by name from any working directory.

Usage: python scripts/build_spacy_de.py OUTDIR  -> prints the path of the built sdist.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

NAME = "buergerassistent_blank"
VERSION = "1.0.0"


def main(outdir: str) -> int:
    import spacy

    out = Path(outdir).resolve()
    src = out / "src"
    dist = out / "dist"
    src.mkdir(parents=True, exist_ok=True)
    dist.mkdir(parents=True, exist_ok=True)
    nlp = spacy.blank("de")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.meta.update(
        {
            "name": NAME,
            "version": VERSION,
            "description": "Blank German pipeline with lookup lemmatizer (no vectors), for Rasa SpacyNLP",
            "license": "MIT",
            "author": "Bürgerassistent",
        }
    )
    nlp.to_disk(src)
    check = nlp("Die Personalausweise wurden beantragt")
    print("lemmas:", [t.lemma_ for t in check], file=sys.stderr)
    subprocess.run(
        [sys.executable, "-m", "spacy", "package", str(src), str(dist), "--force", "--build", "sdist"],
        check=True,
        stdout=sys.stderr,
    )
    sdists = sorted(dist.glob(f"de_{NAME}-{VERSION}/dist/*.tar.gz"))
    if not sdists:
        print(f"spacy package produced no sdist under {dist}", file=sys.stderr)
        return 1
    print(sdists[-1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "build/spacy"))
