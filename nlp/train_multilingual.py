"""Train the multilingual heads: `python -m storywatch.nlp.train_multilingual` (see
nlp.training.multilingual; the English heads are trained by nlp.train_sentiment)."""
from storywatch.nlp.training.multilingual import main

if __name__ == "__main__":
    main()
