"""Understanding messages: the intent model, the training-data reader, and the evaluations."""
