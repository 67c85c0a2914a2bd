"""Who may sign in and as whom: actors, sign-in with lockout and PINs, passwords and their
policies, the company profile, and the division's administration of companies and staff."""
