"""The child process of ``symw2v gradcheck``: import the user's file, run every check, write
the findings as JSON to a file (the user's code may print to stdout; a crash or hang here only
ends this process)::

    python -m symw2v.gradcheck.worker word2vec.py out.json [examples]

The JSON is ``{"results": {function: null | failure | "missing"}}``, or ``{"load_error": text}``
when the file cannot be imported.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import traceback
import warnings
from pathlib import Path
from types import ModuleType

from .checks import DEFAULT_EXAMPLES, check_module


def load_user_module(path: Path) -> ModuleType:
    """Import ``path`` under its own name (unless a module already loaded has it) with its
    folder first on sys.path (for its imports, such as the course's ``utils``)."""
    sys.path.insert(0, str(path.parent))
    name = path.stem if path.stem not in sys.modules else f"_symw2v_user_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"not a Python file: {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> None:
    path, out = Path(argv[0]).resolve(), Path(argv[1])
    examples = int(argv[2]) if len(argv) > 2 else DEFAULT_EXAMPLES
    warnings.simplefilter("ignore")
    try:
        module = load_user_module(path)
    except BaseException:  # anything the import does (SyntaxError, SystemExit, ...) is the file's problem
        out.write_text(json.dumps({"load_error": traceback.format_exc(limit=-3)}))
        return
    def started(function: str) -> None:  # the last such line names the function a crash happened in
        print(f"symw2v gradcheck: checking {function}", file=sys.stderr, flush=True)

    out.write_text(json.dumps({"results": check_module(module, examples, started)}))


if __name__ == "__main__":
    main(sys.argv[1:])
