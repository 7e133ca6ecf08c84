"""``python -m tradewind.monitor.dashboards --out deploy/grafana``: write the dashboards."""

from __future__ import annotations

import argparse
from pathlib import Path

from tradewind.monitor.dashboards import write_dashboards


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tradewind.monitor.dashboards",
        description="Write Tradewind's Grafana dashboards as JSON files.",
    )
    parser.add_argument("--out", type=Path, required=True, help="folder for the JSON files")
    args = parser.parse_args(argv)
    for path in write_dashboards(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
