#! --json -f FILE
# --json is --format json
load samples/teach.tsv
get rec.n
echo done
