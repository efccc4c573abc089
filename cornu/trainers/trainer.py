"""Placeholder; replaced by the training loop."""


class Trainer:
    def __init__(self):
        pass
