#!/usr/bin/env bash
# The wheels benchmarks/gpu_check.py installs on an offline GPU machine (issue 37).
#
# The GPU machines run Python 3.12 on manylinux x86_64 with JAX (CUDA), NumPy, pandas, SciPy,
# scikit-learn, seaborn, statsmodels, tabulate, jinja2, grpcio, protobuf, h5py and tensorboard
# installed, and reach no package index. This downloads Keras, keras-tuner and pydantic and every
# dependency of theirs missing there (found with
# `unzip -p X.whl '*/METADATA' | grep ^Requires-Dist`, and checked again below), at the versions
# this machine's Python has installed (the versions the suite is tested with), into DEST
# (default .whl/, ignored by git): carry that folder with the working tree.
#
# Run:  bash benchmarks/gpu_wheels.sh [DEST]      (PYTHON=... picks the interpreter whose
#       versions are pinned; default: python3)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
DEST=${1:-.whl}
# Keras, keras-tuner, pydantic, then their dependencies that the device lacks: keras's (namex,
# optree, rich and rich's markdown-it-py, mdurl, pygments; absl-py, packaging and the suite's own
# markdown in case: tensorboard brings them),
# keras-tuner's (kt-legacy, requests and its four, and six, which it imports without declaring
# it), pydantic's (pydantic-core, annotated-types, typing-inspection, typing-extensions).
PACKAGES=(keras keras-tuner pydantic
          absl-py namex optree rich markdown-it-py mdurl pygments packaging markdown
          kt-legacy requests charset-normalizer idna urllib3 certifi six
          pydantic-core annotated-types typing-inspection typing-extensions)

mapfile -t PINNED < <("$PYTHON" - "${PACKAGES[@]}" <<'EOF'
import importlib.metadata
import sys

for name in sys.argv[1:]:
    try:
        print(f"{name}=={importlib.metadata.version(name)}")
    except importlib.metadata.PackageNotFoundError:
        print(name)  # not installed here: the newest wheel
EOF
)
mkdir -p "$DEST"
"$PYTHON" -m pip download --quiet --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    --no-deps -d "$DEST" "${PINNED[@]}"

# Every requirement of every wheel (for Python 3.12 on Linux, extras aside) is a wheel here or
# already on the device; else name it and fail.
"$PYTHON" - "$DEST" <<'EOF'
import re
import sys
import zipfile
from pathlib import Path

ON_DEVICE = {"jax", "jaxlib", "numpy", "pandas", "scipy", "scikit-learn", "seaborn", "statsmodels", "tabulate",
             "jinja2", "grpcio", "protobuf", "h5py", "tensorboard",
             "ml-dtypes", "opt-einsum"}  # JAX's own requirements


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def applies(marker: str) -> bool:
    """A requirement's environment marker for the device (CPython 3.12, Linux), extras excluded."""
    if not marker:
        return True
    if "extra" in marker:
        return False
    from packaging.markers import Marker  # deferred: only where a wheel has markers

    return Marker(marker).evaluate({"python_version": "3.12", "python_full_version": "3.12.0",
                                    "sys_platform": "linux", "platform_system": "Linux",
                                    "platform_machine": "x86_64", "implementation_name": "cpython",
                                    "platform_python_implementation": "CPython", "os_name": "posix"})


wheels = sorted(Path(sys.argv[1]).glob("*.whl"))
have = {normal(w.name.split("-")[0]) for w in wheels}
missing = set()
for wheel in wheels:
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        for line in archive.read(metadata).decode().splitlines():
            if line.startswith("Requires-Dist:"):
                requirement, _, marker = line.split(":", 1)[1].partition(";")
                name = normal(re.match(r"\s*([A-Za-z0-9_.-]+)", requirement).group(1))
                if applies(marker.strip()) and name not in have | ON_DEVICE:
                    missing.add(f"{name} (for {wheel.name})")
print(f"{len(wheels)} wheels in {sys.argv[1]}: " + ", ".join(w.name for w in wheels))
if missing:
    sys.exit("missing, neither downloaded nor on the device: " + "; ".join(sorted(missing)))
EOF
