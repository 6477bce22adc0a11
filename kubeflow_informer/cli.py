"""The ``kubeflow-informer`` command.

Subcommands are registered in :data:`SUBCOMMANDS`: each is a ``(name, help, configure, run)``
entry where ``configure(parser)`` adds its arguments and ``run(args)`` returns the exit code.
Adding a command (benchmarks, the sample controller...) means adding one entry, nothing else.

* ``kubeflow-informer apiserver [--host H] [--port N] [--kubeconfig-out PATH] [--token T]
  [--tls | --no-tls] [--rbac] [--seed S]`` runs the embedded API server until SIGINT/SIGTERM
  (exit 0).
  Once it is serving it prints its URL as the first line on stdout (and flushes), so a parent
  process can read the port it bound when ``--port 0``; with ``--kubeconfig-out`` an
  ``export KUBECONFIG=...`` line follows, to paste into another shell. ``--token`` turns TLS on
  unless ``--no-tls`` is given: kubectl (client-go) never sends a bearer token over plain http,
  so a token server without TLS would answer every kubectl request 401. ``--rbac`` authorizes
  requests as a real server's RBAC mode does; its kubeconfig holds the admin
  (``system:masters``) token, generated unless ``--token`` is given, so it implies TLS too.
* ``kubeflow-informer envtest [--assets DIR] [--kubeconfig-out PATH] [--controllers LIST]``
  runs a real control plane (etcd + kube-apiserver, and kube-controller-manager with the
  controllers named) from ``$KUBEBUILDER_ASSETS`` until SIGINT/SIGTERM (exit 0); like
  ``apiserver`` it prints the URL first on stdout.
* ``kubeflow-informer version`` prints the package version.

A usage error (an unknown option, a port that is not 0-65535) or a port that cannot be bound
(already in use, not permitted) is one line on stderr naming the option, and exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Sequence
from typing import NamedTuple, NoReturn

from kubeflow_informer._version import __version__

__all__ = ["SUBCOMMANDS", "Subcommand", "build_parser", "describe_os_error", "main", "port_number"]

#: The exit code of a usage error, as argparse's.
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (``--help`` shows the usage)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def describe_os_error(exc: OSError) -> str:
    """The short reason of a bind failure (``Address already in use``), without the repetition
    of the address that aiohttp and asyncio put into their messages."""
    if exc.errno is not None and not isinstance(exc, socket.gaierror):
        return os.strerror(exc.errno)
    return exc.strerror or str(exc)


def port_number(text: str) -> int:
    """An argparse type: a TCP port, 0-65535 (0 picks a free one)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0-65535, got {port}")
    return port


class Subcommand(NamedTuple):
    """One CLI subcommand: how to declare its arguments and how to run it."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _configure_apiserver(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=port_number, default=0,
                        help="port to bind, 0-65535 (default: 0, a free port, printed on stdout)")
    parser.add_argument("--kubeconfig-out", metavar="PATH",
                        help="write a kubeconfig for the server here and print the "
                             "'export KUBECONFIG=PATH' line (default: none written)")
    parser.add_argument("--token", help="require this bearer token (401 without it); implies "
                        "--tls, since kubectl sends a token only over HTTPS (default: none)")
    parser.add_argument("--tls", action=argparse.BooleanOptionalAction, default=None,
                        help="serve HTTPS with a generated CA (default: on with --token or "
                             "--rbac, off without); --no-tls keeps plain http even then")
    parser.add_argument("--rbac", action="store_true",
                        help="authorize requests with the stored Roles and bindings (RBAC mode; "
                             "the token, or a generated one, is the system:masters admin's)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed for names, uids and faults (default: %(default)s)")


async def _serve_apiserver(args: argparse.Namespace) -> None:
    from kubeflow_informer.apiserver import EmbeddedApiServer

    with_token = bool(args.token) or args.rbac
    tls = with_token if args.tls is None else args.tls
    if with_token and not tls:
        logging.getLogger(__name__).warning(
            "%s without TLS: kubectl and client-go do not send a bearer token over plain "
            "http, so they will get %s; drop --no-tls to serve HTTPS",
            "--token" if args.token else "--rbac",
            "401 Unauthorized" if args.token else "403 Forbidden as system:anonymous")
    if tls and importlib.util.find_spec("cryptography") is None:
        sys.stderr.write("kubeflow-informer apiserver: error: argument --tls: serving HTTPS "
                         "(implied by --token and --rbac) needs the cryptography package: "
                         "pip install 'kubeflow-informer[tls]', or pass --no-tls\n")
        raise SystemExit(EXIT_USAGE)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with EmbeddedApiServer(
            host=args.host, port=args.port, token=args.token, tls=tls, seed=args.seed,
            rbac=args.rbac,
        ) as server:
            if args.kubeconfig_out:
                server.write_kubeconfig(args.kubeconfig_out)
            sys.stdout.write(server.url + "\n")
            if args.kubeconfig_out:
                sys.stdout.write(f"export KUBECONFIG={args.kubeconfig_out}\n")
            sys.stdout.flush()
            await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


def _run_apiserver(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(_serve_apiserver(args))
    except OSError as exc:  # binding: address in use, not permitted, no such address
        option = "--host" if isinstance(exc, socket.gaierror) else "--port"
        sys.stderr.write(
            f"kubeflow-informer apiserver: error: argument {option}: cannot listen on "
            f"{args.host}:{args.port}: {describe_os_error(exc)}\n"
        )
        return EXIT_USAGE
    return 0


def _configure_envtest(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--assets", metavar="DIR",
                        help="folder of etcd, kube-apiserver and kube-controller-manager "
                             "(default: $KUBEBUILDER_ASSETS)")
    parser.add_argument("--kubeconfig-out", metavar="PATH", help="write an admin kubeconfig here")
    parser.add_argument("--controllers",
                        default="garbage-collector-controller,namespace-controller",
                        help="kube-controller-manager controllers to run, comma-separated; "
                             "empty for no controller manager "
                             "(default: %(default)s)")
    parser.add_argument("--compaction-interval", metavar="DURATION",
                        help="the apiserver's --etcd-compaction-interval (default: its own, 5m)")


async def _serve_envtest(args: argparse.Namespace) -> None:
    from kubeflow_informer.testing.envtest import ControlPlane

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    controllers = [name for name in args.controllers.split(",") if name.strip()]
    plane = ControlPlane(args.assets, controllers=controllers,
                         etcd_compaction_interval=args.compaction_interval)
    try:
        async with plane:
            if args.kubeconfig_out:
                plane.write_kubeconfig(args.kubeconfig_out)
            sys.stdout.write(plane.url + "\n")
            if args.kubeconfig_out:
                sys.stdout.write(f"export KUBECONFIG={args.kubeconfig_out}\n")
            sys.stdout.flush()
            await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


def _run_envtest(args: argparse.Namespace) -> int:
    from kubeflow_informer.testing.envtest import EnvtestError

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(_serve_envtest(args))
    except EnvtestError as exc:
        sys.stderr.write(f"kubeflow-informer envtest: {exc}\n")
        return 1
    return 0


def _configure_version(parser: argparse.ArgumentParser) -> None:
    return None


def _run_version(args: argparse.Namespace) -> int:
    sys.stdout.write(f"kubeflow-informer {__version__}\n")
    return 0


SUBCOMMANDS: list[Subcommand] = [
    Subcommand("apiserver", "run the embedded API server", _configure_apiserver, _run_apiserver),
    Subcommand("envtest", "run a real control plane (etcd + kube-apiserver) from local binaries",
               _configure_envtest, _run_envtest),
    Subcommand("version", "print the version", _configure_version, _run_version),
]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    parser = _Parser(prog="kubeflow-informer", description="kubeflow_informer command-line tools")
    parser.add_argument("--version", action="version", version=f"kubeflow-informer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for command in SUBCOMMANDS:
        command_parser = sub.add_parser(command.name, help=command.help)
        command.configure(command_parser)
        command_parser.set_defaults(_run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``) and run the chosen subcommand."""
    args = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args._run
    return run(args)
