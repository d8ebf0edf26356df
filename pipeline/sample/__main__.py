"""``python -m pipeline.sample [OUT_DIR [SCALE]]``: write a sample export set (default data/raw, demo), list its files."""
import sys
import time

from pipeline.sample import generate

t0 = time.time()
res = generate(sys.argv[1] if len(sys.argv) > 1 else "data/raw", sys.argv[2] if len(sys.argv) > 2 else "demo")
for k, v in res.items():
    print(f"{v:>10,}  {k}")
print(f"{time.time() - t0:.1f} s")
