"""Training code for the tagger's heads: never imported by the runtime tagger (nlp.tagger).

`python -m storywatch.nlp.train_sentiment` is the one training command; the modules here read the real
labelled sets' training rows (real_data) and fit the heads on them (real_heads).
"""
