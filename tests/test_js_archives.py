"""Hostile .zip deployment packages: whatever is wrong with an archive is a JsBuildError naming
the entry (never a path of this machine, never a traceback), from `edge build x.zip` as from an
upload (tests/test_uploads_js.py); what already worked keeps working (path traversal, absolute
paths, symlinks written as plain files, zip bombs, too many files, duplicate names, truncated
archives, NUL in names); a package without the default handler's file says where it looked and
how to name another."""

from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.js.build import MAX_ZIP_DEPTH, MAX_ZIP_FILES, JsBuildError, _extract_zip, build_js

HANDLER = b"exports.handler = async (event) => event.Records[0].cf.request;\n"


def archive(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w", method) as zf:
        warnings.simplefilter("ignore")  # duplicate names
        for name, data in entries.items() if isinstance(entries, dict) else entries:
            zf.writestr(name, data)
    return buf.getvalue()


def patched(data: bytes, old: bytes, new: bytes) -> bytes:
    assert data.count(old) == 2, data.count(old)  # the local header and the central directory
    return data.replace(old, new)


def utf8_flag_with_invalid_bytes() -> bytes:
    data = with_flag(archive({"AAAA.js": HANDLER}), 0x800)  # "the names are UTF-8"
    return patched(data, b"AAAA.js", b"\xff\xfeAA.js")


def corrupt_deflate() -> bytes:
    data = bytearray(archive({"index.js": HANDLER * 50}))
    start = 30 + len("index.js")  # the first entry's data, after its local header
    for i in range(start + 5, start + 25):
        data[i] ^= 0x5A
    return bytes(data)


def with_flag(data: bytes, flag: int) -> bytes:
    """The first entry's general purpose flags with `flag` set (zipfile clears what it is given)."""
    out = bytearray(data)
    for at in (6, out.index(b"PK\x01\x02") + 8):  # in the local header, in the central directory
        out[at:at + 2] = (int.from_bytes(out[at:at + 2], "little") | flag).to_bytes(2, "little")
    return bytes(out)


def encrypted() -> bytes:
    return with_flag(archive({"index.js": HANDLER}), 0x1)


def method_99() -> bytes:
    data = bytearray(archive({"index.js": HANDLER}, zipfile.ZIP_STORED))
    data[8:10] = (99).to_bytes(2, "little")  # the local header's method
    central = data.index(b"PK\x01\x02")
    data[central + 10:central + 12] = (99).to_bytes(2, "little")
    return bytes(data)


HOSTILE = {
    "utf8-flag-invalid": (utf8_flag_with_invalid_bytes, "not valid UTF-8"),
    "corrupt-deflate": (corrupt_deflate, "archive entry 'index.js' cannot be unpacked"),
    "encrypted": (encrypted, "archive entry 'index.js' is encrypted"),
    "method-99": (method_99, "archive entry 'index.js' uses compression method 99"),
    "file-and-directory": (lambda: archive({"a": b"x", "a/b": b"y", "index.js": HANDLER}),
                           "'a' is both a file (entry 'a') and a directory (entry 'a/b')"),
    "dot": (lambda: archive({".": b"x", "index.js": HANDLER}), "archive entry '.' is not a file name"),
    "long-name": (lambda: archive({"x" * 300 + ".js": b"x", "index.js": HANDLER}), "a name longer than 255 bytes"),
    "nested-1200": (lambda: archive({"d/" * 1200 + "f.js": b"x", "index.js": HANDLER}),
                    "has a path longer than 1024 characters"),
    "nested-deep": (lambda: archive({"d/" * (MAX_ZIP_DEPTH + 1) + "f.js": b"x", "index.js": HANDLER}),
                    f"nested more than {MAX_ZIP_DEPTH} directories deep"),
    "traversal": (lambda: archive({"../evil.js": b"x", "index.js": HANDLER}), "unsafe path '../evil.js'"),
    "absolute": (lambda: archive({"/etc/evil.js": b"x", "index.js": HANDLER}), "unsafe path '/etc/evil.js'"),
    "bomb": (lambda: archive({"index.js": HANDLER, "zeros.bin": b"\0" * (65 * 1024 * 1024)}),
             "more than 64 MiB uncompressed"),
    "too-many-files": (lambda: archive([(f"f{i}", b"") for i in range(MAX_ZIP_FILES + 1)], zipfile.ZIP_STORED),
                       f"more than {MAX_ZIP_FILES} files"),
    "truncated": (lambda: archive({"index.js": HANDLER * 100})[:200], "not a valid .zip archive"),
    "not-a-zip": (lambda: b"PK\x03\x04 but nothing else", "not a valid .zip archive"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_archive_is_a_build_error_naming_what_is_wrong(tmp_path, case):
    make, expected = HOSTILE[case]
    source = tmp_path / "fn.zip"
    source.write_bytes(make())
    with pytest.raises(JsBuildError) as failure:
        build_js(source, out=tmp_path / "out.wasm")
    message = str(failure.value)
    assert expected in message, message
    assert "/tmp" not in message and str(tmp_path) not in message and "edge-js-" not in message, message
    assert failure.value.summary == message.splitlines()[0]


def test_edge_build_of_a_hostile_archive_prints_one_line_and_no_traceback(tmp_path):
    for case in ("utf8-flag-invalid", "corrupt-deflate", "file-and-directory", "nested-1200"):
        source = tmp_path / f"{case}.zip"
        source.write_bytes(HOSTILE[case][0]())
        result = CliRunner().invoke(cli, ["build", str(source)])
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output and isinstance(result.exception, SystemExit), result.exception
        assert result.output.startswith(f"error: {source}: "), result.output
        assert HOSTILE[case][1] in result.output and "edge-js-" not in result.output


def test_what_already_worked_keeps_working(tmp_path):
    """Symlinks become plain files holding their target, duplicate names keep the last one, a NUL
    ends a name (as zipfile reads it), a folder zipped with the package is looked into."""
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w") as zf:
        warnings.simplefilter("ignore")
        link = zipfile.ZipInfo("pkg/link.js")
        link.external_attr = 0o120777 << 16  # a symlink to /etc/passwd
        zf.writestr(link, "/etc/passwd")
        zf.writestr("pkg/index.js", b"first")
        zf.writestr("pkg/index.js", HANDLER)
        zf.writestr("pkg/nulXname.js", b"exports.n = 1;\n")
    data = buf.getvalue().replace(b"nulXname.js", b"nul\0name.js")
    (tmp_path / "a.zip").write_bytes(data)
    root = _extract_zip(tmp_path / "a.zip", tmp_path / "out")
    assert root == tmp_path / "out" / "pkg"
    assert not (root / "link.js").is_symlink() and (root / "link.js").read_text() == "/etc/passwd"
    assert (root / "index.js").read_bytes() == HANDLER
    assert (root / "nul").is_file()
    wasm = build_js(tmp_path / "a.zip", out=tmp_path / "a.wasm")
    assert wasm.read_bytes()[:4] == b"\0asm"


def test_an_archive_without_the_handlers_file_says_where_it_looked_and_how_to_name_it(tmp_path):
    (tmp_path / "folder.zip").write_bytes(archive({"jwtpkg/app.js": HANDLER, "jwtpkg/lib/x.js": b""}))
    with pytest.raises(JsBuildError) as failure:
        build_js(tmp_path / "folder.zip", out=tmp_path / "out.wasm")
    message = str(failure.value)
    assert message == ("no index.js, index.mjs or index.cjs in jwtpkg/ (the archive's only folder) for handler "
                       "'index.handler' (there is app.js): name the handler's file and function, e.g. "
                       "--handler app.handler"), message
    (tmp_path / "flat.zip").write_bytes(archive({"main.mjs": b"export const go = 1;\n"}))
    with pytest.raises(JsBuildError) as failure:
        build_js(tmp_path / "flat.zip", out=tmp_path / "out.wasm", handler="index.go", option="?handler={}")
    assert "at the top of the archive for handler 'index.go' (there is main.mjs)" in str(failure.value)
    assert str(failure.value).endswith("e.g. ?handler=main.go")
    result = CliRunner().invoke(cli, ["build", str(tmp_path / "folder.zip")])
    assert result.exit_code == 1 and "/tmp/edge-js-" not in result.output
    assert result.output.startswith(f"error: {tmp_path / 'folder.zip'}: no index.js") and "--handler app.handler" in result.output
    built = CliRunner().invoke(cli, ["build", str(tmp_path / "folder.zip"), "--handler", "app.handler"])
    assert built.exit_code == 0, built.output


def test_a_package_zipped_with_its_folder_builds_with_a_warning_that_lambda_would_not(tmp_path):
    """Lambda runs a package from the archive's top level: `zip -r pkg.zip pkg` fails there with
    Runtime.ImportModuleError. The edge still looks inside the only folder, and says so."""
    (tmp_path / "nested.zip").write_bytes(archive({"pkg/index.js": HANDLER}))
    messages: list[str] = []
    build_js(tmp_path / "nested.zip", out=tmp_path / "nested.wasm", log=messages.append)
    nested = [m for m in messages if "its only folder" in m]
    assert nested == [f"warning: {tmp_path / 'nested.zip'}: the archive keeps its files in pkg/ (its only folder): "
                      "built from there, but Lambda runs a package from the archive's top level and would fail with "
                      "Runtime.ImportModuleError; zip the folder's contents instead (cd pkg && zip -r ../function.zip .)"]
    (tmp_path / "flat.zip").write_bytes(archive({"index.js": HANDLER}))
    flat: list[str] = []
    build_js(tmp_path / "flat.zip", out=tmp_path / "flat.wasm", log=flat.append)
    assert not [m for m in flat if "its only folder" in m]


def test_a_single_file_with_another_handler_module_says_which_to_name(tmp_path):
    (tmp_path / "one.js").write_bytes(HANDLER)
    with pytest.raises(JsBuildError) as failure:
        build_js(tmp_path / "one.js", out=tmp_path / "out.wasm", handler="app.main")
    assert str(failure.value) == ("no app.js, app.mjs or app.cjs for handler 'app.main' (there is one.js): name the "
                                  "handler's file and function, e.g. --handler one.main")


def test_a_directory_of_many_entries_is_refused_before_it_is_listed(tmp_path):
    """The central directory is walked: a count that lies (here: 1) does not let 20,001 entries in."""
    data = bytearray(archive([(f"{i:x}", b"") for i in range(MAX_ZIP_FILES + 1)], zipfile.ZIP_STORED))
    end = data.rindex(b"PK\x05\x06")
    data[end + 8:end + 12] = (1).to_bytes(2, "little") * 2  # entries on this disk, entries in total
    (tmp_path / "many.zip").write_bytes(bytes(data))
    with pytest.raises(JsBuildError, match=f"the archive has more than {MAX_ZIP_FILES} files"):
        _extract_zip(tmp_path / "many.zip", tmp_path / "out")
    assert not any((tmp_path / "out").iterdir())


def test_an_empty_archive_says_it_has_no_javascript(tmp_path):
    (tmp_path / "empty.zip").write_bytes(archive({}))
    with pytest.raises(JsBuildError, match=r"at the top of the archive for handler 'index.handler' \(it has no "):
        build_js(tmp_path / "empty.zip", out=tmp_path / "out.wasm")
    assert Path(tmp_path / "out.wasm").exists() is False
