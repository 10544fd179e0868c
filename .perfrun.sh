#!/bin/bash
# usage: .perfrun.sh which variant
export BENCH_VARIANT=$2
npx tsx .prof.ts $1 600 > /tmp/scratch/perfrun.out 2>&1 &
sleep 6
PID=$(pgrep -f "bench/composition/$1.ts" | head -1)
perf record -e cpu-clock -F 999 -g -p $PID -o /tmp/scratch/perf.data -- sleep 4 2>/dev/null >/dev/null
wait
cat /tmp/scratch/perfrun.out | grep -v "npm warn"
perf report -i /tmp/scratch/perf.data --no-children --sort dso 2>/dev/null | grep -v "^#" | head -25
