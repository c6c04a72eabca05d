"""The clinic's enquiry assistant: everything of ours that Rasa calls into."""
