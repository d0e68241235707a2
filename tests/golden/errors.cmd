# Every line fails (or is checked after a failure): the messages are exact
# and the session survives them (-k keeps going).
stats graph
save empty.distill
history --apply 1
rec alice
load samples/no-such-file.tsv
lod samples/teach.tsv
s
load samples/teach.tsv --items samples/teach-items.csv --bogus 1
load samples/teach.tsv --items samples/teach-items.csv
set
set abstract.topk -3
set abstract.metric euclid
set no.such 1
get no.such
stats nowhere
rec nobody
rec alice many
why alice i99
why alice "No Such Title"
whynot alice
help nothing
help metric nothing
help param nothing
format xml
load samples/teach-items.csv --format ml1m
say "unterminated
sweep abstract.topk 10 1 1
sweep abstract.topk 1 10 0
sweep abstract.topk 1 3 1 loss
export recommend out.csv
source golden/no-such.script
stats load
# did you mean: a typo, a name without its stage, an enum value, a user,
# a title's word; several matches are listed
set abstrct.topk 5
set topk 5
get alpha
set abstract.metric cosin
rec alic
why alice matri
why alice "the"
why alice "blade runner"
# a change whose run fails changes nothing: the value, the results and
# the history stay (no undo step, rec needs no re-run)
run
set abstract.threshold 5
get abstract.threshold
rec alice 2
undo
# a sweep goes on past a value that fails, and says so; all failing is
# an error
sweep abstract.threshold 0.3 0.5 0.1 ndcg
sweep abstract.threshold 1 2 1
# metrics of nobody: the note says why
set split.validation 0
eval
