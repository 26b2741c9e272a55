"""Reading pages vs the same bytes as a static file, 32 connections, one gunicorn, one run.

Run: make bench   (imports content/ first; the corpus too when it is beside the project)
"""

import platform
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, snapshot_as_static, start_server, stop_server, wrk

CORPUS = ROOT.parent / "shared" / "corpus" / "learn-resources"


def main() -> None:
    manage = [str(ROOT / ".venv" / "bin" / "python"), "manage.py"]
    subprocess.run([*manage, "import_guides", "content"], cwd=ROOT, check=True, capture_output=True)
    guide = "/guides/distributed-systems-fundamentals/"
    if CORPUS.is_dir():
        subprocess.run([*manage, "import_guides", str(CORPUS)], cwd=ROOT, check=False,
                       capture_output=True)  # fmt: skip
        guide = "/guides/centralized-authentication-infra/"  # the largest guide (103 KB)
    server = start_server()
    try:
        pages = {"home": "/", "guide (largest)": guide, "search": "/search/?q=consistent+hashing"}
        print(f"machine: {platform.node()} {platform.machine()}, 2 gunicorn workers x 4 threads")
        for name, path in pages.items():
            static = snapshot_as_static(path, f"bench-{name.split()[0]}.html")
            wrk("warm-up", path, seconds=2)
            static_result = wrk(f"static copy of {name}", static)
            page_result = wrk(name, path)
            print(static_result.line())
            print(page_result.line(static_result))
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()
