"""The SSH commands: ``serve-ssh`` (the portal over SSH, one TUI process per connection)
and ``ssh-shell`` (the ``ForceCommand`` for a city's own OpenSSH server)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from etrakit_tui.cli.bootstrap import (
    config_option,
    database_choice,
    db_option,
    demo_database,
    fail,
    open_chosen,
)


@click.command("serve-ssh")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=2222, show_default=True)
@click.option(
    "--host-key",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Host key file; generated on first start. Default: in the user data dir.",
)
@db_option
@config_option
@click.option("--demo", is_flag=True, help="Build one fresh demo database and serve it.")
@click.option(
    "--max-sessions",
    type=click.IntRange(1),
    default=100,
    show_default=True,
    help="Sessions at once, in total.",
)
@click.option(
    "--max-per-address",
    type=click.IntRange(1),
    default=10,
    show_default=True,
    help="Sessions at once from one client address.",
)
@click.option(
    "--max-pre-session",
    type=click.IntRange(1),
    default=64,
    show_default=True,
    help="Connections at once that have not opened their session yet (the oldest idle one "
    "is dropped for a newcomer).",
)
@click.option(
    "--max-pre-session-per-address",
    type=click.IntRange(1),
    default=4,
    show_default=True,
    help="The same, from one client address.",
)
@click.option(
    "--pre-session-grace",
    type=click.FloatRange(1),
    default=10.0,
    show_default=True,
    help="Seconds a connection may stay without saying its SSH greeting.",
)
@click.option(
    "--login-grace",
    type=click.FloatRange(1),
    default=30.0,
    show_default=True,
    help="Seconds a client has to open its terminal session.",
)
@click.option(
    "--idle-timeout",
    type=click.FloatRange(1),
    default=3600.0,
    show_default=True,
    help="Seconds without input after which a session ends.",
)
@click.pass_context
def serve_ssh(
    ctx: click.Context,
    host: str,
    port: int,
    host_key: Path | None,
    db_url: str | None,
    config_path: Path | None,
    demo: bool,
    max_sessions: int,
    max_per_address: int,
    max_pre_session: int,
    max_pre_session_per_address: int,
    pre_session_grace: float,
    login_grace: float,
    idle_timeout: float,
) -> None:
    """The portal over SSH: one TUI process per connection (no SSH password: the portal's own
    sign-in screen is the door)."""
    from etrakit_tui.ssh.server import ServiceOptions, run
    from etrakit_tui.ssh.shell import absolute_database_url

    choice = database_choice(ctx, db_url, config_path)
    if demo and choice.given:
        fail("--demo and --db cannot be combined")
    # Open (and check) the database once now, so a bad URL fails here and not per connection.
    # The demo city (a temporary folder) lives as long as the service: demo_city.close().
    demo_city = contextlib.ExitStack()
    if demo:
        database = demo_city.enter_context(demo_database(None, choice.config))
    else:
        database = open_chosen(choice, create=True)
    url = absolute_database_url(database.engine.url.render_as_string(hide_password=False))
    database.dispose()
    config = choice.config
    try:
        run(
            ServiceOptions(
                database_url=url,
                host=host,
                port=port,
                host_key=host_key,
                config_path=config.resolve() if config is not None else None,
                demo=demo,
                max_sessions=max_sessions,
                max_per_address=max_per_address,
                max_pre_session=max_pre_session,
                max_pre_session_per_address=max_pre_session_per_address,
                pre_session_grace=pre_session_grace,
                login_grace=login_grace,
                idle_timeout=idle_timeout,
            )
        )
    finally:
        demo_city.close()


@click.command("ssh-shell")
@db_option
@config_option
@click.pass_context
def ssh_shell(ctx: click.Context, db_url: str | None, config_path: Path | None) -> None:
    """ForceCommand for an OpenSSH server: the portal in this terminal, in a clean
    environment (refuses sessions without a terminal and commands)."""
    from etrakit_tui.ssh.shell import exec_shell

    choice = database_choice(ctx, db_url, config_path)
    exec_shell(choice.url, choice.config)
