# Control bytes in ids and in commands reach the terminal as \xNN, never
# raw (an ESC could recolour or move the cursor); a malformed --crc is an
# error, not a silent mismatch.
load golden/esc-ids.tsv
users
items
format csv
users
format table
[31mbad
load samples/teach.tsv --crc zzzz
load samples/teach.tsv --crc 123456789
