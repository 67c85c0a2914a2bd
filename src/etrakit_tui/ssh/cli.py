"""The SSH commands of the console script: ``serve-ssh`` and ``ssh-shell``.

``etrakit_tui.cli.main()`` calls :func:`register` to add them to the root group.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from etrakit_tui.cli import config_option, db_option, fail, open_database, open_demo_database


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
def serve_ssh(
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
    from etrakit_tui.settings import load_settings
    from etrakit_tui.ssh.server import ServiceOptions, run
    from etrakit_tui.ssh.shell import absolute_database_url

    if demo and db_url:
        fail("--demo and --db cannot be combined")
    # Open (and check) the database once now, so a bad URL fails here and not per connection.
    database = open_demo_database(None, config_path) if demo else open_database(db_url, config_path)
    url = absolute_database_url(database.engine.url.render_as_string(hide_password=False))
    database.engine.dispose()
    config = config_path or load_settings().config
    demo_dir = Path(database.engine.url.database or "").parent if demo else None
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
        if demo_dir is not None and demo_dir.name.startswith("etrakit-demo-"):
            shutil.rmtree(demo_dir, ignore_errors=True)  # the demo city lives as long as we do


@click.command("ssh-shell")
@db_option
@config_option
def ssh_shell(db_url: str | None, config_path: Path | None) -> None:
    """ForceCommand for an OpenSSH server: the portal in this terminal, in a clean
    environment (refuses sessions without a terminal and commands)."""
    from etrakit_tui.settings import load_settings
    from etrakit_tui.ssh.shell import exec_shell

    settings = load_settings()
    exec_shell(settings.resolved_database_url(db_url), config_path or settings.config)


def register(cli: click.Group) -> None:
    """Add ``serve-ssh`` and ``ssh-shell`` to the root command group."""
    cli.add_command(serve_ssh)
    cli.add_command(ssh_shell)
