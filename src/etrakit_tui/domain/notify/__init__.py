"""Email: what the portal queues in the outbox (``outbox``) and the sender that delivers it
over SMTP exactly once (``smtp``)."""
