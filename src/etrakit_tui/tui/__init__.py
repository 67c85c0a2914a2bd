"""The Textual front end. Screens call domain services in thread workers."""
