"""One-edit diagnoses: which single edit from a catalogue repairs a wrong step."""
