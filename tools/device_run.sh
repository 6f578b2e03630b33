#!/usr/bin/env bash
# The GPU check, as run on a lent GPU machine that has JAX (CUDA) and no TensorFlow: Keras 3
# on the JAX backend runs the same tables, `gpu` cases included. The wheels it needs besides
# what that machine has (keras, namex, optree, jsonschema and its parts) are carried in .whl/
# (see README, "GPU"). Writes the reports to $OUT/gpu (results.json, contract.md).
set -uo pipefail
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site KERAS_BACKEND=jax PYTHONUNBUFFERED=1 XLA_PYTHON_CLIENT_PREALLOCATE=false
nvidia-smi -L
python3 -c "import keras, jax; print('keras', keras.__version__, 'jax', jax.__version__, jax.devices())"
mkdir -p "$OUT/gpu"
timeout "${RNNSPEC_DEVICE_TIMEOUT:-420}" python3 -m pytest spec -p no:cacheprovider -p no:benchmark -n "${RNNSPEC_JOBS:-12}" \
  --rnnspec-reports="$OUT/gpu" -q -o addopts="" "$@" > "$OUT/gpu/pytest.txt" 2>&1
echo "pytest exit $?"
tail -40 "$OUT/gpu/pytest.txt"
