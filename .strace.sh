#!/bin/bash
export BENCH_VARIANT=$2
npx tsx .prof.ts $1 300 > /tmp/scratch/strace.out 2>&1 &
sleep 6
PID=$(pgrep -f "bench/composition/$1.ts" | head -1)
timeout 3 strace -c -f -p $PID -o /tmp/scratch/strace.txt 2>/dev/null
wait
grep -v "npm warn" /tmp/scratch/strace.out
head -25 /tmp/scratch/strace.txt
