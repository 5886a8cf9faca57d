"""The claims fraud-risk model: seeded synthetic data, training, and the artefact the scorer loads."""
