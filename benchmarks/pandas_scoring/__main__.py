"""``python -m benchmarks.pandas_scoring WAREHOUSE YEAR [REPEATS [THREADS]]``: both sides timed and compared."""
import sys

from benchmarks.pandas_scoring.sides import format_report, run_both


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if len(args) < 2:
        sys.exit("usage: python -m benchmarks.pandas_scoring WAREHOUSE SCHOOL_YEAR [REPEATS [THREADS]]")
    print(format_report(run_both(args[0], args[1], int(args[2]) if len(args) > 2 else 3,
                                 threads=int(args[3]) if len(args) > 3 else None)))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
