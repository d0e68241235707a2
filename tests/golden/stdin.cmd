#! < FILE
# Piped standard input is batch mode; quit stops reading.
load samples/teach.tsv; get split.method
help get
quit
get rec.n
