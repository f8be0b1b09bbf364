-- Keeps the server's NOTICEs (IF NOT EXISTS, ...) out of the CLI's output.
-- not explainable: SET is a utility statement
SET client_min_messages = warning
