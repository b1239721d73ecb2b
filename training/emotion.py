r"""Train or evaluate the emotion classifier.

python -m training.emotion train --train ../shared/data/goemotions/train.tsv \
        --dev ../shared/data/goemotions/dev.tsv --out models/emotion
python -m training.emotion evaluate --data ../shared/data/goemotions/dev.tsv [--ratings FILE]
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from actions.settings import Settings
from training.goemotions import read_goemotions


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m training.emotion", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="train from scratch; tune thresholds on --dev only")
    train.add_argument("--train", type=Path, required=True)
    train.add_argument("--dev", type=Path, required=True)
    train.add_argument("--out", type=Path, default=Settings().emotion_model_dir)
    train.add_argument("--epochs", type=float, default=None)
    evaluate = sub.add_parser("evaluate", help="macro/per-label F1 (28 labels, Ekman); Pearson r on ratings")
    evaluate.add_argument("--data", type=Path, help="GoEmotions-format file")
    evaluate.add_argument("--ratings", type=Path, help="id<TAB>mean rating<TAB>text")
    evaluate.add_argument("--model", type=Path, default=Settings().emotion_model_dir)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    if args.command == "train":
        from training.emotion_model import TrainingOptions
        from training.emotion_model import train as run_training
        from training.model_card import write_model_card

        options = TrainingOptions() if args.epochs is None else TrainingOptions(epochs=args.epochs)
        config = run_training(read_goemotions(args.train), read_goemotions(args.dev), args.out, options)
        write_model_card(args.out, config, args.train, args.dev)
        return 0

    from actions.emotion.classifier import EmotionClassifier
    from actions.emotion.detector import EmotionDetector
    from training.emotion_evaluation import evaluate_labels, read_ratings, sentiment_correlation

    if args.data is None and args.ratings is None:
        parser.error("evaluate needs --data and/or --ratings")
    classifier = EmotionClassifier(args.model)
    if args.data is not None:
        labels, ekman = evaluate_labels(classifier, read_goemotions(args.data))
        print("\n".join(labels.lines(f"28 labels on {args.data}")))
        print("\n".join(ekman.lines(f"Ekman grouping on {args.data}")))
    if args.ratings is not None:
        texts, ratings = read_ratings(args.ratings)
        r = sentiment_correlation(EmotionDetector(classifier), texts, ratings)
        print(f"sentiment: Pearson r {r:.4f} over {len(texts)} rated texts ({args.ratings})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
