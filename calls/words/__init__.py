"""What was said, as the call search reads it: words folded to compare (`folding`), a search as
a person types it (`query`), and where its words fall in a text (`marks`). Plain Python, no
Django: the stored history indexes what `folding` makes, both database engines match what
`query` writes, and every page that highlights a search marks what `marks` finds."""
