# save writes a replayable script; source replays it with the same numbers.
load samples/teach.tsv --items samples/teach-items.csv
set abstract.topk 3
set distill.beta 0.25
set rec.n 5
save saved.distill
source saved.distill
get abstract.topk
rec carol
source golden/bad.script
get rec.n
# a script recorded on other data: the checksum mismatch is reported
load samples/teach.tsv --crc deadbeef

source --strict golden/changed-data.distill
load samples/teach.tsv --crc e0cfcfc4,items=1,items=2
