"""Contact screening figures: precision, recall and F1 on the labelled chat set, and throughput.

Message-level: a message counts as flagged when `screen(text).flagged`; the label is `contact` in
tests/data/screening_messages.jsonl. Prints the scores, every false positive and false negative, and
the throughput (the whole set screened again and again for at least MIN_SECONDS after one warm-up
pass, which loads phonenumbers' metadata and the Public Suffix List snapshot), then writes the same
figures to .local/bench-screening.json. Also the cold start: module import and first call in a fresh
interpreter.

    .venv/bin/python bench/screening.py
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from chalicelib.domain.screening import screen  # noqa: E402

DATA = ROOT / "tests" / "data" / "screening_messages.jsonl"
OUT = ROOT / ".local" / "bench-screening.json"
MIN_SECONDS = 2.0


def load() -> list[dict[str, Any]]:
    with DATA.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def quality(rows: list[dict[str, Any]]) -> dict[str, Any]:
    tp = fp = fn = tn = 0
    false_positives: list[dict[str, Any]] = []
    false_negatives: list[dict[str, str]] = []
    missed_by_family: Counter[str] = Counter()
    for row in rows:
        result = screen(row["text"])
        if result.flagged and row["contact"]:
            tp += 1
        elif result.flagged:
            fp += 1
            found = [{"kind": f.kind, "text": row["text"][f.start : f.end]} for f in result.findings]
            false_positives.append({"text": row["text"], "family": row["family"], "findings": found})
        elif row["contact"]:
            fn += 1
            missed_by_family[row["family"]] += 1
            false_negatives.append({"text": row["text"], "family": row["family"]})
        else:
            tn += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "messages": len(rows),
        "contact": tp + fn,
        "clean": fp + tn,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "false_positives": false_positives,
        "false_negatives": false_negatives,
        "missed_by_family": dict(missed_by_family),
    }


def throughput(rows: list[dict[str, Any]]) -> dict[str, Any]:
    texts = [row["text"] for row in rows]
    for text in texts:  # warm-up: lazy imports, metadata, suffix list
        screen(text)
    screened = 0
    passes = 0
    start = time.perf_counter()
    while True:
        for text in texts:
            screen(text)
        screened += len(texts)
        passes += 1
        elapsed = time.perf_counter() - start
        if elapsed >= MIN_SECONDS:
            break
    return {
        "messages": screened,
        "passes": passes,
        "seconds": round(elapsed, 3),
        "messages_per_second": round(screened / elapsed, 1),
        "us_per_message": round(elapsed / screened * 1e6, 1),
    }


COLD_RUNS = 3
COLD_SCRIPT = """
import json, time
start = time.perf_counter()
from chalicelib.domain.screening import screen
imported = time.perf_counter()
screen("see lumen-shop.com or call +49 151 23456789")
first = time.perf_counter()
print(json.dumps({"import_ms": (imported - start) * 1000, "first_screen_ms": (first - imported) * 1000}))
"""


def cold_start() -> dict[str, float]:
    """A fresh interpreter (a new Lambda container): the module import, then the first screen(), which
    imports tldextract and phonenumbers and reads the suffix-list snapshot. Best of COLD_RUNS."""
    runs = []
    for _ in range(COLD_RUNS):
        out = subprocess.run(
            [sys.executable, "-c", COLD_SCRIPT], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
        runs.append(json.loads(out))
    return {
        "import_ms": round(min(r["import_ms"] for r in runs), 1),
        "first_screen_ms": round(min(r["first_screen_ms"] for r in runs), 1),
    }


def main() -> int:
    rows = load()
    q = quality(rows)
    t = throughput(rows)
    cold = cold_start()
    print(f"screening: {q['messages']} labelled messages ({q['contact']} contact attempts, {q['clean']} clean)")
    print(f"  precision {q['precision']:.4f}   recall {q['recall']:.4f}   F1 {q['f1']:.4f}")
    print(f"  tp {q['tp']}  fp {q['fp']}  fn {q['fn']}  tn {q['tn']}")
    print(f"  false positives ({len(q['false_positives'])}):")
    for item in q["false_positives"]:
        found = ", ".join(f"{f['kind']}: {f['text']!r}" for f in item["findings"])
        print(f"    [{item['family']}] {item['text']!r} -> {found}")
    print(f"  false negatives ({len(q['false_negatives'])}):")
    for item in q["false_negatives"]:
        print(f"    [{item['family']}] {item['text']!r}")
    print(
        f"  throughput {t['messages_per_second']:.0f} messages/s, {t['us_per_message']:.1f} µs/message "
        f"({t['messages']} messages in {t['seconds']:.2f} s, {t['passes']} passes, warm)"
    )
    print(
        f"  cold start (fresh interpreter, best of {COLD_RUNS}): import {cold['import_ms']:.0f} ms, "
        f"first screen {cold['first_screen_ms']:.0f} ms (tldextract, phonenumbers, suffix list), then warm"
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "quality": q,
        "throughput": t,
        "cold_start": cold,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    OUT.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"  written to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
