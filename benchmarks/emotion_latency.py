"""Per-message latency of the whole emotion detector (VADER + classifier), one message at a time.

python -m benchmarks.emotion_latency [--messages 500] [--data GoEmotions.tsv] [--threads 1]
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time
from pathlib import Path

import torch

from actions.emotion.classifier import EmotionClassifier
from actions.emotion.detector import EmotionDetector
from actions.settings import Settings

# Customer-service messages of several lengths, used when no --data is given.
SAMPLES = [
    "hi", "thanks!", "where is my order?", "This is the third time I'm asking, where is my refund?!",
    "I ordered a blender two weeks ago and it still hasn't shipped, this is ridiculous",
    "Can you tell me if the trail running shoes are waterproof? "
    "I run in the rain a lot and my last pair leaked.",
    "my card keeps getting declined even though i have money on it, what is going on",
    "Great, that worked perfectly, you've been really helpful today.",
    "I'm confused, the tracking says delivered but there's nothing at my door "
    "and my neighbours haven't seen it either. "
    "What am I supposed to do now? I need it for my daughter's birthday on Saturday.",
]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--data", type=Path, help="take texts from a GoEmotions-format file instead")
    parser.add_argument("--threads", type=int, default=Settings().torch_threads)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    texts = [line.split("\t", 1)[0] for line in args.data.read_text().splitlines()] if args.data else SAMPLES
    rng = random.Random(0)
    started = time.perf_counter()
    detector = EmotionDetector(EmotionClassifier(Settings().emotion_model_dir))
    load_s = time.perf_counter() - started
    for text in texts[:20]:
        detector.analyse(text)  # warm-up
    timings = []
    for _ in range(args.messages):
        text = rng.choice(texts)
        t0 = time.perf_counter()
        detector.analyse(text)
        timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    pick = lambda q: timings[min(len(timings) - 1, round(q * (len(timings) - 1)))]  # noqa: E731
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"settings: messages={args.messages} threads={args.threads} "
        f"texts={'GoEmotions file' if args.data else 'built-in samples'}"
    )
    print(
        f"load {load_s:.1f} s; per message p50 {pick(0.5):.1f} ms, p95 {pick(0.95):.1f} ms, "
        f"p99 {pick(0.99):.1f} ms, mean {statistics.mean(timings):.1f} ms; peak RSS {peak_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()
