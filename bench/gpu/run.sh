#!/usr/bin/env bash
# Proxy runs on a GPU, in one call of at most 5 minutes (issue 21), each stage's results written to
# $OUT as soon as the stage ends, so a call cut short still returns what it measured:
#   1. the GPU as nvidia-smi and torch see it                      -> gpu.txt
#   2. the reference trainer's throughput and MFU, bf16, on a ~50M and a ~300M-parameter transformer,
#      with torch.compile and without                               -> throughput.jsonl, throughput-*.log
#   3. a scale ladder driven by the bundled scaletune (Node carried as .gpu/node.xz): the reference
#      trainer on the GPU, five widths spanning 37x in compute, four trials sharing the GPU at a time,
#      Bayesian search of lr and batch size per scale, laws fitted, the target trained once at the
#      predicted values; GPU utilisation sampled throughout        -> ladder/ (db, report, trials, logs), util.csv
# Prepare where npm is (bench/gpu/prepare.sh: the bundle and the node binary), then run this there with
# carry [dist/bundle, .gpu]. Without CUDA it runs the same stages at toy sizes on the CPU (the check
# that the script works before the GPU's minutes are spent): SMOKE=1 forces that.
# Read the results back with: node bench/gpu/summarize.mjs <the fetched OUT folder> [--write]
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${OUT:-$root/bench/gpu/out}
mkdir -p "$out"
work=$(mktemp -d)
log() { echo "[$(date +%T)] $*" | tee -a "$out/stages.txt"; }

gpu=0
if [ "${SMOKE:-0}" != 1 ] && command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then gpu=1; fi
py=${SCALETUNE_PYTHON:-python3}
if [ -f "$root/.gpu/node.xz" ]; then
  xz -dc "$root/.gpu/node.xz" > "$work/node" && chmod +x "$work/node"
  node="$work/node"
else
  node=$(command -v node)
fi
st() { "$node" "$root/dist/bundle/scaletune.mjs" "$@"; }
log "gpu=$gpu python=$py node=$("$node" --version)"

# 1. the GPU
{
  if [ $gpu = 1 ]; then nvidia-smi; nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm,power.limit --format=csv; fi
  "$py" -c "import torch, sys; print('python', sys.version.split()[0], 'torch', torch.__version__, 'cuda', torch.version.cuda, 'available', torch.cuda.is_available()); [print('device', i, torch.cuda.get_device_name(i), torch.cuda.get_device_properties(i).total_memory // 2**20, 'MiB', 'bf16', torch.cuda.is_bf16_supported()) for i in range(torch.cuda.device_count())]"
} > "$out/gpu.txt" 2>&1
log "stage 1 done: $(tail -1 "$out/gpu.txt")"

# 2. throughput: the synthetic language of `scaletune data` as tokens; steps past the first tenth timed
st data --out "$work/syn.bin" --tokens $([ $gpu = 1 ] && echo 40000000 || echo 400000) --vocab 32 > /dev/null
if [ $gpu = 1 ]; then
  models=("50M 768 7 12 32 1024 40" "300M 1024 24 16 32 1024 30")
else
  models=("toy-a 64 2 4 4 64 12" "toy-b 96 2 4 4 64 12")
fi
: > "$out/throughput.jsonl"
for m in "${models[@]}"; do
  read -r name width depth heads batch seq steps <<< "$m"
  for compile in on off; do
    limit=$([ $compile = on ] && echo 110 || echo 45)
    f="$out/throughput-$name-compile-$compile.log"
    timeout $limit "$py" "$root/fixtures/trainers/torch_lm.py" --tokens_file="$work/syn.bin" --arch=transformer --width=$width --depth=$depth \
      --heads=$heads --seq_len=$seq --batch_size=$batch --steps=$steps --log_every=5 --bench=True --lr=0.003 --compile=$compile > "$f" 2>&1
    rc=$?
    last=$(grep '"tokens_per_s"' "$f" | tail -1)
    echo "{\"model\": \"$name\", \"width\": $width, \"depth\": $depth, \"batch\": $batch, \"seq_len\": $seq, \"compile\": \"$compile\", \"rc\": $rc, \"report\": ${last:-null}}" >> "$out/throughput.jsonl"
    log "stage 2: $name compile $compile rc=$rc ${last:0:160}"
  done
done
log "stage 2 done"

# 3. the ladder: written here so that python is this machine's; runs share the one GPU
mkdir -p "$out/ladder"
if [ $gpu = 1 ]; then
  widths=(128 192 256 384 448 640); tokens=(2000000 3000000 4000000 5000000 6000000 10000000)
  runcap=6; parallel=4; seq=256; device=cuda
else
  widths=(16 24 32 48 64 96); tokens=(20000 30000 40000 50000 60000 100000)
  runcap=4; parallel=2; seq=32; device=cpu
fi
# each width's non-embedding N as the trainer counts it (one step on the CPU): the laws and transfer need it
declare -a params
for i in "${!widths[@]}"; do
  params[$i]=$("$py" "$root/fixtures/trainers/torch_lm.py" --tokens_file="$work/syn.bin" --arch=transformer --width=${widths[$i]} --depth=4 --heads=4 \
    --seq_len=$seq --batch_size=2 --steps=1 --bench=True --device=cpu --compile=off 2>/dev/null | grep -o '"params": [0-9]*' | tail -1 | grep -o '[0-9]*$')
done
last=$(( ${#widths[@]} - 1 ))
scales=""
for i in $(seq 0 $(( last - 1 ))); do scales+="  - {name: w${widths[$i]}, params: ${params[$i]}, tokens: ${tokens[$i]}, model: {width: ${widths[$i]}}}"$'\n'; done
target="{name: w${widths[$last]}, params: ${params[$last]}, tokens: ${tokens[$last]}, model: {width: ${widths[$last]}}}"
cat > "$out/ladder/ladder.yaml" <<EOF
name: gpu-ladder
method: bayes
metric: {name: val_loss, goal: minimize}
seed: 1
run_cap: $runcap
parallel: $parallel
transfer: auto
parameters:
  lr: {distribution: log_uniform_values, min: 0.0003, max: 0.03}
  batch_size: {values: [16, 32, 64]}
backend:
  type: torch
  python: $(command -v "$py")
  device: $device
  compile: "off"
  task: synthetic-lm
  data: {vocab: 32, order: 2, branching: 4, mix: 0.02, seed: 0}
  model: {arch: transformer, depth: 4, heads: 4, seq_len: $seq}
  train: {schedule: wsd, decay: 0.2, warmup: 0.05, eval_batches: 8}
scales:
${scales}target: $target
verify: target
EOF
util_pid=""
if [ $gpu = 1 ]; then
  nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv,noheader,nounits -lms 500 > "$out/util.csv" &
  util_pid=$!
fi
db="$out/ladder/ladder.db"
t0=$(date +%s)
(cd "$work" && CI=true st --db "$db" run "$out/ladder/ladder.yaml" --no-live) > "$out/ladder/run.txt" 2>&1
rc=$?
[ -n "$util_pid" ] && kill "$util_pid" 2>/dev/null
log "stage 3: ladder rc=$rc in $(( $(date +%s) - t0 )) s: $(tail -1 "$out/ladder/run.txt")"
st --db "$db" report gpu-ladder --format json > "$out/ladder/report.json" 2> "$out/ladder/report.err"
st --db "$db" trials gpu-ladder --json > "$out/ladder/trials.json" 2>> "$out/ladder/report.err"
st --db "$db" report gpu-ladder --format md --out "$out/ladder/report.md" >> "$out/ladder/report.err" 2>&1
# the first lines and the end of every failed trial's log
for n in $("$node" -e "const t=JSON.parse(require('fs').readFileSync(process.argv[1],'utf8'));console.log(t.filter(x=>x.state==='fail').map(x=>x.number).join(' '))" "$out/ladder/trials.json" 2>/dev/null); do
  st --db "$db" logs gpu-ladder "$n" > "$out/ladder/failed-$n.log" 2>&1
done
log "stage 3 done"
rm -rf "$work"
