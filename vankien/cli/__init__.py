"""The `vankien` command: a thin click layer over the ingest pipeline and the search service.

Each command opens the library, calls one thing, and prints the result. Expected failures
(the VankienError family: no knowledge base, bad filter, encoder mismatch …) become one
`Lỗi: …` line and exit status 1; anything else is a bug and shows its traceback.
Messages are Vietnamese by default; `--lang en` or `VANKIEN_LANG=en` switches to English.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from vankien.errors import VankienError
from vankien.i18n import LANGUAGES, pick, set_language, t

from . import click_vi

DEFAULT_KB = "kb"


def _language_from_argv(argv: list[str]) -> None:
    """Pick the language before the commands' help texts are built (they are made at import)."""
    for i, arg in enumerate(argv):
        value = arg.split("=", 1)[1] if arg.startswith("--lang=") else (
            argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else None)
        if value in LANGUAGES:
            set_language(value)


_language_from_argv(sys.argv[1:])
click_vi.install()


class UserError(click.ClickException):
    """A one-line error for the user, prefixed in their language."""

    def show(self, file=None) -> None:
        click.echo(t("error.prefix", message=self.format_message()), err=True)


class VankienGroup(click.Group):
    """Turns VankienError into UserError; other exceptions keep their traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except VankienError as exc:
            raise UserError(str(exc)) from exc


def _set_lang(ctx, param, value):
    if value:
        set_language(value)
    return value


@click.group(cls=VankienGroup, context_settings={"help_option_names": ["-h", "--help"]},
             help=pick("""Văn kiện: tìm kiếm kho văn bản về công tác dân vận của các tỉnh.

\b
Ví dụ:
  vankien ingest corpus/sample            # tạo kho ./kb từ mẫu kèm theo
  vankien search "dân vận khéo" --province "Hà Tĩnh"
  vankien documents --type chi-thi
  vankien document 12 --json""", """Văn kiện: search Vietnam's provincial directive corpus.

\b
Examples:
  vankien ingest corpus/sample            # build ./kb from the bundled sample
  vankien search "dân vận khéo" --province "Hà Tĩnh"
  vankien documents --type chi-thi
  vankien document 12 --json"""))
@click.option("--kb", "kb_dir", type=click.Path(file_okay=False, path_type=Path), envvar="VANKIEN_KB",
              default=DEFAULT_KB, show_default=True,
              help=pick("Thư mục kho dữ liệu (biến môi trường VANKIEN_KB).", "Knowledge-base directory (env VANKIEN_KB)."))
@click.option("--lang", type=click.Choice(LANGUAGES), callback=_set_lang, expose_value=False, is_eager=True,
              help=pick("Ngôn ngữ thông báo: vi (mặc định) hoặc en (biến môi trường VANKIEN_LANG).",
                        "Message language: vi (default) or en (env VANKIEN_LANG)."))
@click.pass_context
def cli(ctx: click.Context, kb_dir: Path) -> None:  # noqa: D103 - the help text is set above
    from vankien.search.runtime import configure
    configure()                     # before any command loads faiss or the encoder
    ctx.obj = {"kb": kb_dir}


def main() -> None:
    """Console entry point."""
    cli(prog_name="vankien")


# Commands register themselves on `cli` when their modules are imported.
from . import cmd_browse, cmd_ingest, cmd_serve, cmd_workspace  # noqa: E402,F401
