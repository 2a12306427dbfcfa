"""`make bench`: every benchmark, each printing numbers measured side by side in this one run."""

from __future__ import annotations

import sys

from bench import bench_api, bench_controllers, bench_dns, bench_exec, bench_grading, bench_requests, bench_server, bench_start, bench_store


def main() -> None:
    bench_start.main()
    print()
    bench_api.main()
    print()
    bench_store.main()
    print()
    bench_controllers.main([])
    print()
    bench_dns.main([])
    print()
    bench_exec.main([])
    print()
    bench_requests.main([])
    print()
    bench_server.main([])
    print()
    bench_grading.main(sys.argv[1:])


if __name__ == "__main__":
    main()
