"""The SSH service: ``serve-ssh`` (asyncssh, one TUI process per connection on its own PTY) and
``ssh-shell`` (a ``ForceCommand`` entry point for a city's own OpenSSH server)."""
