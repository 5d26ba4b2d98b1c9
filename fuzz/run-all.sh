#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600), two at a time, at the lowest priority.
# Needs a nightly toolchain and cargo-fuzz. Logs go to fuzz/logs/, crashes to fuzz/artifacts/.
set -uo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
mkdir -p logs
run() {
    nice -n 19 cargo +nightly fuzz run -O "$1" -- -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -dict=placeholder.dict -print_final_stats=1 >"logs/$1.log" 2>&1
    echo "$1 exit $?" >>logs/summary.txt
}
targets=(scan encode_json encode_yaml encode_properties encode_env encode_hocon_text secrets_file config_file)
for ((i = 0; i < ${#targets[@]}; i += 2)); do
    run "${targets[i]}" &
    if ((i + 1 < ${#targets[@]})); then run "${targets[i + 1]}" & fi
    wait
done
