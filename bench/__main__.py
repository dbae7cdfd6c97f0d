"""`python -m bench [--quick] [--phones N]`: run the benchmark and print its figures."""

import sys

from bench.runner import main

sys.exit(main())
