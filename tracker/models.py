"""Model bundles: save, load, verify, and the model card.

A bundle is a folder `models/<name>/` with `model.joblib`, `card.json` and `card.md`.
`models/CURRENT` names the bundle in use. A joblib file runs code when loaded, so a bundle is
loaded only when the SHA-256 of its model file matches its card, and only under the
scikit-learn version that built it.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import joblib

from tracker.errors import ModelError

MODELS_ENV = "TRACKER_MODELS"
DEFAULT_MODELS_DIR = "models"
DEFAULT_NAME = "default"
MODEL_FILE, CARD_JSON, CARD_MD, CURRENT = "model.joblib", "card.json", "card.md", "CURRENT"
LIBRARIES = ("tracker", "scikit-learn", "numpy", "scipy", "pandas", "joblib", "nltk", "vaderSentiment")


def models_dir() -> Path:
    return Path(os.environ.get(MODELS_ENV) or DEFAULT_MODELS_DIR)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return versions


def resolve(model: str | Path | None = None) -> Path:
    """The bundle folder for a name (under models/), a path, or None for the current bundle."""
    if model is not None and Path(model).is_dir() and (Path(model) / CARD_JSON).exists():
        return Path(model)
    base = models_dir()
    if model is None:
        current = base / CURRENT
        if not current.exists():
            raise ModelError(f"no current model in {base}/; build one with 'tracker train' (make model)")
        model = current.read_text().strip()
    folder = base / str(model)
    if not (folder / CARD_JSON).exists():
        raise ModelError(f"no model bundle '{model}' in {base}/ (a folder with {CARD_JSON}); "
                         "train one with 'tracker train --name NAME' or give a bundle directory")
    return folder


def save_bundle(predictor, card: dict, out: Path, make_current: bool = True) -> Path:
    """Write the bundle atomically (to a temporary folder, then renamed) and its card."""
    out = Path(out)
    staging = out.with_name(out.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    joblib.dump(predictor, staging / MODEL_FILE, compress=3)
    card = dict(card)
    card.update(
        name=out.name,
        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        libraries=library_versions(),
        model_sha256=sha256_file(staging / MODEL_FILE),
    )
    card["version"] = f"{out.name}-{card['model_sha256'][:12]}"
    (staging / CARD_JSON).write_text(json.dumps(card, indent=2, ensure_ascii=False, default=str) + "\n")
    from tracker.card import card_markdown

    (staging / CARD_MD).write_text(card_markdown(card))
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)
    if make_current and out.parent.resolve() == models_dir().resolve():
        (out.parent / CURRENT).write_text(out.name + "\n")
    return out


def read_card(folder: Path) -> dict:
    try:
        return json.loads((Path(folder) / CARD_JSON).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"{folder}/{CARD_JSON}: unreadable model card ({exc}); retrain the bundle") from exc


def load_bundle(model: str | Path | None = None):
    """(predictor, card) of a verified bundle; ModelError for anything untrusted or stale."""
    folder = resolve(model)
    card = read_card(folder)
    path = folder / MODEL_FILE
    if not path.exists():
        raise ModelError(f"{path}: model file missing; retrain with 'tracker train'")
    expected = card.get("model_sha256")
    if not expected or sha256_file(path) != expected:
        raise ModelError(f"{path}: SHA-256 does not match its model card; refusing to load it "
                         "(a joblib file runs code when loaded). Retrain with 'tracker train'")
    built = card.get("libraries", {}).get("scikit-learn")
    running = metadata.version("scikit-learn")
    if built != running:
        raise ModelError(f"{folder.name}: built with scikit-learn {built}, running {running}; "
                         f"retrain with 'tracker train --name {folder.name}'")
    return joblib.load(path), card
