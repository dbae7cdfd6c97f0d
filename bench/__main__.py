"""`python -m bench [--quick] [--workers N --database D --broadcast B]`: run the benchmark
(both configurations and the floors when no configuration is named) and print its figures."""

import sys

from bench.runner import main

sys.exit(main())
