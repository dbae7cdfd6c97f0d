"""The speaking stack: hands, their order and reasons, and the speaker timer."""
