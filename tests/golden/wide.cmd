# Wide characters (東京 is four columns) keep table columns aligned: the
# widths are display widths, not bytes or code points.
load samples/sample.csv --items samples/sample-items.csv
items "Garden of"
