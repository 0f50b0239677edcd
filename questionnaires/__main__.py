"""Check questionnaire definition files: ``python -m questionnaires FILE...``.

With no file, checks every shipped definition and the checksums of published versions. Prints
one line per problem and exits with status 1 if there is any.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from questionnaires.loader import load_questionnaire_file
from questionnaires.problems import format_problems
from questionnaires.registry import checksum_mismatches, get_questionnaire, shipped


def main(argv: Sequence[str] | None = None) -> int:
    """Check the given files (or the shipped definitions); return the exit status."""
    paths = list(sys.argv[1:] if argv is None else argv)
    failed = False
    for path in paths:
        result = load_questionnaire_file(path)
        report = format_problems(result)
        print(report if report else f"{path}: ok")
        failed = failed or not result.ok
    if not paths:
        for questionnaire_id, version in shipped():
            try:
                get_questionnaire(questionnaire_id, version)
                print(f"{questionnaire_id} v{version}: ok")
            except ValueError as exc:
                print(exc)
                failed = True
        for message in checksum_mismatches():
            print(message)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
