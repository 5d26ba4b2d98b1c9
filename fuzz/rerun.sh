#!/usr/bin/env bash
# Second round after the fixes: the targets that found crashes, 10 minutes each.
cd "$(dirname "$0")"
run() {
    nice -n 19 cargo +nightly fuzz run -O "$1" -- -max_total_time=600 -timeout=10 \
        -rss_limit_mb=2048 -dict=placeholder.dict -print_final_stats=1 >"logs/$1-round2.log" 2>&1
    echo "$1 round2 exit $?" >>logs/summary.txt
}
run encode_yaml & run encode_env & wait
run encode_properties & run scan & wait
