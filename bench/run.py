"""`make bench`: every benchmark, each printing numbers measured side by side in this one run."""

from __future__ import annotations

from bench import bench_api, bench_start


def main() -> None:
    bench_start.main()
    print()
    bench_api.main()


if __name__ == "__main__":
    main()
