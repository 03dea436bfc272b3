"""The wait machinery: kinds of instance, finding them, polling them, and how a wait ends."""
