#! -f FILE
# Without -k the first error stops the script with exit status 1.
load samples/teach.tsv
get rec.n
set rec.n 0
get rec.n
