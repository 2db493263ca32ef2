#!/usr/bin/env python3
"""Accuracy and speed of `vrs-scan` against ZXing-C++ on vrs-ticket-gen data sets.

For each tier (fixed seed per tier) it generates labelled camera-like frames with
`vrs-ticket-gen frames`, runs `vrs-scan` on them and ZXing-C++ (`pip install zxing-cpp
pillow`) restricted to what the ticket carries (QR model 2 and Codabar; ZXing-C++ keeps
Codabar's start/stop letters, which are stripped before comparing), and prints a
Markdown table:

* per symbology: read rate among frames where the symbol is visible (not covered),
  misreads (decoded text differs from the truth), for the OCR line misreads whose every
  character reached the policy's confidence bar, symbols "read" on ticket-free frames;
* for vrs-scan's policy: tickets accepted, wrong tickets accepted, false accepts on
  ticket-free frames;
* median and p95 time per 1280x720 frame, on a second set of the tier's frames all of
  that size, the fastest of `--repeat` runs for each reader (vrs-scan's own `ms`;
  ZXing-C++ timed around its call), so that other load on the machine counts less.

Validation on frames the reader was not tuned on: `--seed-offset 1000 --count 300
--no-speed`.

Usage:
  tools/scan-compare/scan_compare.py --gen target/debug/vrs-ticket-gen \
      --scan target/debug/vrs-scan --count 200 --work /tmp/scan-compare
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

SEEDS = {"easy": 101, "medium": 202, "hard": 303}
# vrs-scanner's default per-character confidence bar (ReaderConfig::ocr_min_confidence).
OCR_BAR = 0.8


def generate(gen, tier, count, seed, out, size=None):
    truth = out / "truth.jsonl"
    if truth.exists() and sum(1 for _ in truth.open()) == count:
        return
    out.mkdir(parents=True, exist_ok=True)
    cmd = [gen, "frames", "--out", str(out), "--tier", tier, "--count", str(count),
           "--seed", str(seed)]
    if size:
        cmd += ["--width", str(size[0]), "--height", str(size[1])]
    subprocess.run(cmd, check=True)


def run_vrs_scan(scan, files, repeat=1):
    """vrs-scan's JSON line per file; `ms` is the fastest of `repeat` runs."""
    results = {}
    for _ in range(repeat):
        for start in range(0, len(files), 50):
            batch = files[start:start + 50]
            proc = subprocess.run([scan, *map(str, batch)], capture_output=True, text=True)
            for line in proc.stdout.splitlines():
                obj = json.loads(line)
                name = Path(obj["file"]).name
                if name in results:
                    results[name]["ms"] = min(results[name]["ms"], obj["ms"])
                else:
                    results[name] = obj
    return results


def check(ours, names):
    """Stops when vrs-scan gave no line, or an error, for any of the files."""
    missing = [n for n in names if n not in ours or "error" in ours[n]]
    if missing:
        sys.exit(f"vrs-scan failed on {missing[:5]}")


def run_zxing(files, repeat=1):
    import zxingcpp
    from PIL import Image

    formats = [zxingcpp.BarcodeFormat.QRCodeModel2, zxingcpp.BarcodeFormat.Codabar]
    results = {}
    for f in files:
        img = Image.open(f).convert("L")
        img.load()
        ms = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            codes = zxingcpp.read_barcodes(img, formats=formats)
            ms = min(ms, (time.perf_counter() - t0) * 1000.0)
        qr, nw7 = [], []
        for c in codes:
            if c.format == zxingcpp.BarcodeFormat.Codabar:
                text = c.text
                if len(text) >= 2 and text[0] in "ABCDabcd" and text[-1] in "ABCDabcd":
                    text = text[1:-1]
                nw7.append(text)
            else:
                qr.append(c.text)
        results[Path(f).name] = {"qr": qr, "nw7": nw7, "ms": ms}
    return results


def nw7_truth(t):
    if t["nw7"] == "full":
        return t["truth"]
    if t["nw7"] == "ticket_number_only":
        return t["truth"][8:]
    return None


def ticket_shaped(nw7_text):
    """A ticket's NW-7 carries 10 or 18 digits; anything else is another label."""
    return nw7_text.isdigit() and len(nw7_text) in (10, 18)


def pct(n, d):
    return f"{100.0 * n / d:.1f}% ({n}/{d})" if d else "–"


def p95(values):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def evaluate(tier, truths, ours, zx):
    rows = []
    for name, reader, symbologies in (("vrs-scan", "ours", ("qr", "nw7", "ocr")),
                                      ("ZXing-C++", "zx", ("qr", "nw7"))):
        for sym in symbologies:
            seen = read = wrong = sure_wrong = phantom = labels = 0
            for t in truths:
                r = ours[t["file"]] if reader == "ours" else zx[t["file"]]
                if reader == "ours":
                    found = [s for s in r.get("symbols", []) if s["kind"] == sym]
                    texts = [s["text"] for s in found]
                    sure = [s["text"] for s in found
                            if s.get("confidence") is not None and s["confidence"] >= OCR_BAR]
                else:
                    texts, sure = r[sym], []
                if sym == "nw7":
                    # The cluttered backgrounds carry NW-7 labels that are not tickets
                    # (neither 10 nor 18 digits): reading them is right, not a misread.
                    labels += sum(not ticket_shaped(x) for x in texts)
                    texts = [x for x in texts if ticket_shaped(x)]
                if t["truth"] is None:
                    phantom += bool(texts)
                    continue
                if sym not in t.get("symbols", []):
                    continue
                expected = nw7_truth(t) if sym == "nw7" else t["truth"]
                seen += 1
                read += expected in texts
                wrong += any(x != expected for x in texts)
                sure_wrong += any(x != expected for x in sure)
            label = {"qr": "QR", "nw7": "NW-7", "ocr": "OCR line"}[sym]
            rows.append((tier, name, label, pct(read, seen), str(wrong),
                         str(sure_wrong) if sym == "ocr" else "–", str(phantom),
                         str(labels) if sym == "nw7" else "–"))
    with_ticket = [t for t in truths if t["truth"] is not None]
    empty = [t for t in truths if t["truth"] is None]
    accepted = sum(ours[t["file"]]["ticket"] == t["truth"] for t in with_ticket)
    wrong = sum(ours[t["file"]]["ticket"] not in (None, t["truth"]) for t in with_ticket)
    false_acc = sum(ours[t["file"]]["ticket"] is not None for t in empty)
    by_source = {}
    for t in with_ticket:
        s = ours[t["file"]]["source"]
        if s:
            by_source[s] = by_source.get(s, 0) + 1
    policy = (tier, pct(accepted, len(with_ticket)), str(wrong), f"{false_acc}/{len(empty)}",
              ", ".join(f"{k} {v}" for k, v in sorted(by_source.items())) or "–")
    return rows, policy


def timing(tier, names, ours, zx):
    ours_ms = [ours[n]["ms"] for n in names]
    zx_ms = [zx[n]["ms"] for n in names]
    return (tier, f"{statistics.median(ours_ms):.1f}", f"{p95(ours_ms):.1f}",
            f"{statistics.median(zx_ms):.1f}", f"{p95(zx_ms):.1f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gen", required=True, help="vrs-ticket-gen binary")
    ap.add_argument("--scan", required=True, help="vrs-scan binary")
    ap.add_argument("--tiers", default="easy,medium,hard")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--work", default="/tmp/scan-compare")
    ap.add_argument("--repeat", type=int, default=3,
                    help="timing runs per frame and reader; the fastest counts")
    ap.add_argument("--seed-offset", type=int, default=0,
                    help="added to every tier's seed: a validation set the reader was not"
                         " tuned on (its frames go to <work>/<tier>-seed<N>)")
    ap.add_argument("--no-speed", action="store_true", help="accuracy only")
    args = ap.parse_args()

    sym_rows, policy_rows, speed_rows = [], [], []
    for tier in args.tiers.split(","):
        # Accuracy on the tier's frames of every size (640x480 to 1920x1080).
        seed = SEEDS[tier] + args.seed_offset
        out = Path(args.work) / (f"{tier}-seed{seed}" if args.seed_offset else tier)
        generate(args.gen, tier, args.count, seed, out)
        truths = [json.loads(l) for l in (out / "truth.jsonl").open()]
        files = [out / t["file"] for t in truths]
        ours = run_vrs_scan(args.scan, files)
        check(ours, [t["file"] for t in truths])
        zx = run_zxing(files)
        rows, policy = evaluate(tier, truths, ours, zx)
        sym_rows += rows
        policy_rows.append(policy)
        if args.no_speed:
            continue
        # Speed on frames of the same tier, all 1280x720, fastest of --repeat runs.
        out = Path(args.work) / f"{tier}-1280x720"
        generate(args.gen, tier, args.count, SEEDS[tier], out, (1280, 720))
        names = [json.loads(l)["file"] for l in (out / "truth.jsonl").open()]
        files = [out / n for n in names]
        ours = run_vrs_scan(args.scan, files, args.repeat)
        check(ours, names)
        zx = run_zxing(files, args.repeat)
        speed_rows.append(timing(tier, names, ours, zx))

    print("Per symbology (read rate among frames where the symbol is visible; misreads = a"
          " decoded text that is not the truth; phantom = frames without a ticket where"
          " the symbology decoded anything; other labels = NW-7 labels of the cluttered"
          " backgrounds that are not tickets, read correctly and left out of the other"
          " columns):\n")
    print("| tier | reader | symbology | read rate | misreads | confident misreads (OCR ≥ 0.8) | phantom reads | other NW-7 labels read |")
    print("|---|---|---|---|---|---|---|---|")
    for r in sym_rows:
        print("| " + " | ".join(r) + " |")
    print("\nvrs-scan acceptance policy (single frame):\n")
    print("| tier | tickets accepted | wrong tickets accepted | false accepts (empty frames) | by source |")
    print("|---|---|---|---|---|")
    for r in policy_rows:
        print("| " + " | ".join(r) + " |")
    if args.no_speed:
        return
    print(f"\nTime per 1280x720 frame, ms, fastest of {args.repeat} runs (vrs-scan: decode +"
          " policy, its own `ms`; ZXing-C++: around `read_barcodes`, QR model 2 + Codabar):\n")
    print("| tier | vrs-scan median | vrs-scan p95 | ZXing-C++ median | ZXing-C++ p95 |")
    print("|---|---|---|---|---|")
    for r in speed_rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
