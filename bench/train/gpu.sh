#!/usr/bin/env bash
# The reference trainer's throughput on a GPU: a ~50M-parameter transformer in bf16 with torch.compile.
# Needs a token file from `scaletune data --out .gpu/syn.bin --tokens 4000000` (made where Node runs).
set -uo pipefail
out=${OUT:-/tmp/gpu-out}
mkdir -p "$out"
tokens=${1:-.gpu/syn.bin}
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv | tee "$out/gpu.txt"
python3 -c "import torch; print('torch', torch.__version__)" | tee -a "$out/gpu.txt"
export PYTHONUNBUFFERED=1
for b in 32 64; do
  python3 fixtures/trainers/torch_lm.py --tokens_file="$tokens" --arch=transformer --width=768 --depth=7 --heads=12 \
    --seq_len=1024 --batch_size=$b --steps=70 --log_every=10 --bench=True --lr=0.003 2>&1 | tee "$out/w768_d7_b$b.log"
done
