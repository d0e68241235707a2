#! --format json -k -f FILE
# JSON: one document per command, one per line; then CSV and table.
load samples/teach.tsv --items samples/teach-items.csv
stats graph
rec alice 2
set rec.n 3
params recommend
format csv
rec "bob" 3
items "the"
format table
get rec.n
echo plain words; echo "kept; and # too"
echo
format json
echo "a \"quoted\" word"
format table
# echo in csv is a block of its own, not a row of the table before it
format csv
get rec.n
echo narration, with a comma
get eval.k
