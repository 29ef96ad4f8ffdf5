#!/usr/bin/env bash
# One device call: unpack node, build the addon if the carried one does not load, run the cuda tests,
# then the GEMM benchmarks against PyTorch. Logs go under $OUT. Run from the repository root with
# .device (pack-for-device.sh), dist (tsc output) and build (the addon) carried.
set -uo pipefail
OUT=${OUT:-/tmp/ingot-out}
mkdir -p "$OUT"
xz -dc .device/node.xz > /tmp/node && chmod +x /tmp/node && export PATH=/tmp:$PATH
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu,power.draw --format=csv | tee "$OUT/gpu.txt"
if ! node -e "const a=require('./build/Release/ingot_cuda.node'); const i=a.init(); console.log(JSON.stringify(i)); if(!i.ok) process.exit(1)"; then
  echo "carried addon did not load; building here"
  INGOT_CUDA_ARCH=90 INGOT_CUDA_FORCE=1 NODE_API_HEADERS=.device/napi node scripts/build-cuda.mjs 2>&1 | tail -20
fi
node --test --test-reporter=spec dist/test/backends/cuda.test.js 2>&1 | tee "$OUT/test.log" | tail -80
echo "== bench"
node dist/bench/gpu/gemm.js "$OUT/gemm-node.json" > "$OUT/bench-node.log" 2>&1 || cat "$OUT/bench-node.log"
PYTHONUNBUFFERED=1 python3 bench/gpu/gemm_torch.py "$OUT/gemm-node.json" 2>&1 | tee "$OUT/bench.log"
