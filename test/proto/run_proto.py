#!/usr/bin/env python3
"""run_proto.py -- run the IMAP protocol tests (test/proto/test_*.py).

Usage: run_proto.py [--target msgstored|dovecot] [--msgstored PATH]
                    [-k PATTERN] [-v] [MODULE...]

Against msgstored (the default; binary build/bin/msgstored or $MSGSTORED)
or, to check the tests themselves, against a private Dovecot.  One server
is started for the whole run and stopped at the end; every test uses its
own fresh account.  Prints one line per failure and ends with
"proto: N passed, M failed, K skipped"; the exit status is non-zero if
anything failed (errors count as failures).  Python 3 standard library.
"""
import argparse
import glob
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True   # no __pycache__ in the tree


class Result(unittest.TextTestResult):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.passed = 0

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--target", choices=["msgstored", "dovecot"],
                    default=os.environ.get("MSPROTO_TARGET", "msgstored"))
    ap.add_argument("--msgstored", help="path of the msgstored binary")
    ap.add_argument("-k", dest="pattern", action="append",
                    help="only tests whose name contains PATTERN")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("modules", nargs="*",
                    help="test modules (default: every test_*.py here)")
    args = ap.parse_args()
    os.environ["MSPROTO_TARGET"] = args.target
    if args.msgstored:
        os.environ["MSGSTORED"] = os.path.abspath(args.msgstored)
    sys.path.insert(0, HERE)
    names = args.modules or sorted(
        os.path.splitext(os.path.basename(p))[0]
        for p in glob.glob(os.path.join(HERE, "test_*.py")))
    loader = unittest.TestLoader()
    if args.pattern:
        loader.testNamePatterns = ["*%s*" % p for p in args.pattern]
    suite = unittest.TestSuite()
    for n in names:
        suite.addTests(loader.loadTestsFromName(n))
    t0 = time.time()
    runner = unittest.TextTestRunner(stream=sys.stdout, resultclass=Result,
                                     verbosity=2 if args.verbose else 1)
    res = runner.run(suite)
    import msproto
    msproto._shutdown()
    failed = len(res.failures) + len(res.errors) + \
        len(res.unexpectedSuccesses)
    for test, _ in res.failures + res.errors:
        print("FAILED: %s" % test.id())
    print("target %s, %.1f s" % (args.target, time.time() - t0))
    print("proto: %d passed, %d failed, %d skipped" % (
        res.passed, failed, len(res.skipped)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
