"""Which of a function's own files the build may keep for fs at request time, and which it must not.

The build keeps small files that are not JavaScript (templates, locales) and the source maps a
bundle names, so a request can read them as a Lambda function reads /var/task. A function's folder
can also hold what must never end up in a module that is uploaded, stored and run elsewhere: keys,
.env files, a repository, a server's state. Those are never kept (KEY_LIKE, hidden files and
folders, an edge server's state directory), and neither is anything the function's `.edgeignore`
names. Code that reads such a file at the top level still reads it: that is the function's choice.

`.edgeignore`, at the function's top: one pattern a line, `#` comments and blank lines skipped;
shell wildcards (`*`, `?`, `[...]`, fnmatch's, where `*` also crosses `/`); a pattern with a `/`
other than a trailing one is matched against the path from the top (`config/*.json`, `/notes.txt`),
one without against every file and folder name (`*.csv`, `drafts`); a trailing `/` matches folders
only (`private/`); a matched folder takes everything under it. No `!` negation.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

IGNORE_FILE = ".edgeignore"
MAX_IGNORE_BYTES = 64 * 1024  # an ignore file larger than this is read up to here
# Names of private keys, keystores and credential files: never kept, wherever they are.
KEY_LIKE = ("*.p12", "*.pfx", "*.jks", "*.keystore", "*.ppk", "*.kdbx", "id_rsa*", "id_dsa*",
            "id_ecdsa*", "id_ed25519*", ".env*", "credentials", "credentials.json")
# Names that hold a certificate or a public key as often as a private key (a JWT verifier's
# public.pem, an identity provider's certificate): kept only when PEM text without a private key.
PEM_LIKE = ("*.pem", "*.key", "*.crt", "*.cer")
PEM_READ_BYTES = 1024 * 1024  # read this much to tell (the kept files are far smaller)
# What an edge server's state directory holds (edge serve's `state_dir`, .edge by default): a
# non-hidden folder with two of these is one, and nothing in it is kept.
STATE_DIR_MARKERS = frozenset({"artifacts", "store", "serve.json", "logs.db"})


@dataclass(frozen=True)
class Pattern:
    text: str  # as written, for messages
    glob: str  # without its leading and trailing '/'
    anchored: bool  # matched against the path from the top
    folders_only: bool  # ended with '/'

    def matches(self, path: str) -> bool:
        """True when `path` (a file's, from the function's top) or a folder above it matches."""
        parts = path.split("/")
        last = len(parts) - 1 if self.folders_only else len(parts)
        for i in range(1, last + 1):
            if self.anchored:
                here = "/".join(parts[:i])
                if fnmatchcase(here, self.glob) or (self.glob.startswith("**/") and fnmatchcase(here, self.glob[3:])):
                    return True
            elif fnmatchcase(parts[i - 1], self.glob):
                return True
        return False


def parse(text: str) -> list[Pattern]:
    """An ignore file's patterns (see the module's docstring)."""
    patterns = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        folders_only = line.endswith("/")
        glob = line.rstrip("/")
        anchored = "/" in glob
        glob = glob.lstrip("/")
        if glob:
            patterns.append(Pattern(line, glob, anchored, folders_only))
    return patterns


KEY_PATTERNS = parse("\n".join(KEY_LIKE))
PEM_PATTERNS = parse("\n".join(PEM_LIKE))


def holds_private_key(path: Path) -> bool:
    """True unless the file is PEM text with no private key in it (certificates and public keys
    only); a file that cannot be read, or is binary (a DER key), counts as a private key."""
    try:
        with open(path, "rb") as f:
            data = f.read(PEM_READ_BYTES)
    except OSError:
        return True
    return b"-----BEGIN " not in data or b"PRIVATE KEY" in data or b"\0" in data


# The function's code: a key written into it is the function's own choice (it is its code, built
# whatever it holds); other files holding a PEM private key are never kept, whatever their name.
CODE_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx")


def shows_a_private_key(path: Path) -> bool:
    """A PEM private key's armour in the file's first PEM_READ_BYTES (a key under any name:
    `server.txt`, `notes`); a file that cannot be read shows none (it is not kept either way)."""
    try:
        with open(path, "rb") as f:
            data = f.read(PEM_READ_BYTES)
    except OSError:
        return False
    return b"-----BEGIN " in data and b"PRIVATE KEY-----" in data


def ignore_patterns(root: Path) -> list[Pattern]:
    """The function's `.edgeignore` patterns (none when it has no such file or it cannot be read)."""
    try:
        with open(Path(root) / IGNORE_FILE, "rb") as f:
            text = f.read(MAX_IGNORE_BYTES).decode("utf-8", "replace")
    except OSError:
        return []
    return parse(text)


def state_dirs(files: list[tuple[str, int]]) -> set[str]:
    """Folders of the package (paths from its top) that look like an edge server's state directory:
    two of STATE_DIR_MARKERS among what they hold (outside node_modules)."""
    children: dict[str, set[str]] = {}
    for path, _ in files:
        parts = path.split("/")
        if "node_modules" in parts:
            continue
        for i in range(1, len(parts)):
            children.setdefault("/".join(parts[:i]), set()).add(parts[i])
    return {folder for folder, names in children.items() if len(names & STATE_DIR_MARKERS) >= 2}


@dataclass(frozen=True)
class Rules:
    """What the build must not keep for fs: key-like names, the function's .edgeignore patterns and
    the state directories found in it."""
    ignore: tuple[Pattern, ...] = ()
    state: frozenset[str] = frozenset()
    root: Path | None = None  # where the files are, to look inside a `.pem` (None: every one is a key)

    @classmethod
    def of(cls, root: Path, files: list[tuple[str, int]]) -> Rules:
        return cls(tuple(ignore_patterns(root)), frozenset(state_dirs(files)), Path(root))

    def key_like(self, path: str) -> bool:
        """A key or credential: by name, in any letter case (`server.KEY`, `ID_RSA`), or, for a
        file that is not code, by a PEM private key inside it whatever its name."""
        folded = path.lower()
        if any(p.matches(folded) for p in KEY_PATTERNS):
            return True
        if any(p.matches(folded) for p in PEM_PATTERNS):
            return self.root is None or holds_private_key(self.root / path)
        return (self.root is not None and not folded.endswith(CODE_SUFFIXES)
                and shows_a_private_key(self.root / path))

    def excluded(self, path: str) -> bool:
        """True when `path` (from the function's top) must not be kept: hidden (a dot file or folder:
        .git, .env, node_modules/.cache), key-like, in a state directory, or named by .edgeignore."""
        return (any(part.startswith(".") for part in path.split("/")) or self.key_like(path)
                or any(path.startswith(f"{d}/") for d in self.state) or any(p.matches(path) for p in self.ignore))
